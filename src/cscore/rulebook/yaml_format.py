"""The YAML rule-file format (docs/rules.md describes it for business staff).

::

    title: 电商退换货规则
    constants:  {distance_channels: [online, tv, phone, mail_order]}
    schedules:  {hotline: {days: every, hours: "00:00-24:00"}}        # working hours
    outputs:    {decision: priority, refund_amount: priority}     # key: hit policy
    values:     {quality_deadline: unique}                         # intermediate values
    requires:   [{id, name, when, facts: [...]}]                   # → needs_info
    checks:     [{id, name, when, invalid: [...]}]                 # → invalid_input
    rules:      [{id, name, priority, when, set: {...}, message, replaces}]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cscore.calendar.schedule import ScheduleError, parse_schedule
from cscore.errors import RuleFileError, RuleLoadError, did_you_mean
from cscore.language.types import BY_NAME, Type, enum
from cscore.rulebook.model import (
    HIT_POLICIES,
    NO_DEFAULT,
    ConstantSpec,
    KeySpec,
    RuleFile,
    RuleSpec,
    SetSpec,
    Where,
)
from cscore.rulebook.yamlsource import (
    item_line,
    key_line,
    node_line,
    plain,
    read_yaml,
    value_line,
    with_folds,
)

TOP_KEYS = (
    "title",
    "description",
    "owner",
    "source",
    "kinds",
    "constants",
    "schedules",
    "outputs",
    "values",
    "requires",
    "checks",
    "rules",
)
RULE_KEYS = ("id", "name", "priority", "when", "set", "message", "replaces", "note", "source")
REQUIRE_KEYS = ("id", "name", "when", "facts", "note", "source")
CHECK_KEYS = ("id", "name", "when", "invalid", "message", "note", "source")
KEY_SPEC_KEYS = ("hit", "default", "type", "order", "note")
SCHEDULE_KEYS = ("days", "hours", "note")
_FULLWIDTH_SEPARATORS = ("，", "、", "；")


def read_rule_file(file: Path, display: str) -> RuleFile:
    data, sha = read_yaml(file, display)
    lines = file.read_text(encoding="utf-8").splitlines()  # for lines in folded text
    return _Reader(display, lines).read(data, file, sha)


MAX_PROBLEMS = 50  # per file: every broken entry is reported, within reason


class _Reader:
    def __init__(self, path: str, lines: list[str] | None = None) -> None:
        self.path = path
        self.lines = lines or []
        self.problems: list[RuleFileError] = []  # broken entries, reported together

    def fail(self, line: int | None, message: str, rule: str | None = None) -> RuleFileError:
        return RuleFileError(self.path, line, message, rule)

    def where(self, line: int) -> Where:
        return Where(self.path, line)

    def read(self, data: Any, file: Path, sha: str) -> RuleFile:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise self.fail(1, "a rule file is a mapping with 'rules:' (and optional 'outputs:'…)")
        for key in data:
            if key not in TOP_KEYS:
                hint = did_you_mean(str(key), TOP_KEYS)
                raise self.fail(key_line(data, key), f"unknown section '{key}'{hint}")
        kinds = self.read_kinds(data)
        rule_file = RuleFile(
            path=self.path,
            file=file,
            sha256=sha,
            title=str(data.get("title") or ""),
            kinds=kinds,
            kinds_where=self.where(key_line(data, "kinds")) if kinds is not None else None,
            constants=self.read_constants(data) | self.read_schedules(data),
            keys={**self.read_keys(data, "outputs", True), **self.read_keys(data, "values", False)},
            rules=(
                *self.read_section(data, "requires", REQUIRE_KEYS, "requires"),
                *self.read_section(data, "checks", CHECK_KEYS, "check"),
                *self.read_section(data, "rules", RULE_KEYS, "rule"),
            ),
        )
        if self.problems:
            raise RuleLoadError(self.problems[:MAX_PROBLEMS])
        return rule_file

    def read_kinds(self, data: dict[str, Any]) -> tuple[str, ...] | None:
        if "kinds" not in data:
            return None
        value = plain(data["kinds"])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
            raise self.fail(key_line(data, "kinds"), "kinds must be a list such as [return, fee]")
        return tuple(value)

    def read_constants(self, data: dict[str, Any]) -> dict[str, ConstantSpec]:
        section = data.get("constants")
        if section is None:
            return {}
        if not isinstance(section, dict):
            raise self.fail(key_line(data, "constants"), "constants must be a mapping name: value")
        constants = {}
        for name, value in section.items():
            line = key_line(section, name)
            if not isinstance(name, str) or not name.isidentifier():
                raise self.fail(line, f"constant name '{name}' must be a single word")
            value = plain(value)
            if isinstance(value, dict):
                raise self.fail(line, f"constant '{name}' must be a value or a list, not a mapping")
            self.refuse_fullwidth_separators(value, line, f"constant '{name}'")
            constants[name] = ConstantSpec(name, value, self.where(line))
        return constants

    def read_schedules(self, data: dict[str, Any]) -> dict[str, ConstantSpec]:
        """``schedules: {office: {days: working, hours: "09:00-18:00"}}``: named working
        hours for add_working_hours(t, n, office). A schedule is a constant of the file."""
        section = data.get("schedules")
        if section is None:
            return {}
        if not isinstance(section, dict):
            raise self.fail(
                key_line(data, "schedules"),
                'schedules must map a name to {days: working, hours: "09:00-18:00"}',
            )
        schedules = {}
        constants = data.get("constants")
        for name, spec in section.items():
            line = key_line(section, name)
            if not isinstance(name, str) or not name.isidentifier():
                raise self.fail(line, f"schedule name '{name}' must be a single word")
            if isinstance(constants, dict) and name in constants:
                raise self.fail(line, f"schedule '{name}' has the name of a constant")
            if not isinstance(spec, dict) or "hours" not in spec:
                raise self.fail(
                    line,
                    f"schedule '{name}' needs hours: {{days: working, hours: \"09:00-18:00\"}}",
                )
            for option in spec:
                if option not in SCHEDULE_KEYS:
                    hint = did_you_mean(str(option), SCHEDULE_KEYS)
                    raise self.fail(
                        key_line(spec, option, line),
                        f"schedule '{name}': unknown option '{option}'{hint}",
                    )
            try:
                schedule = parse_schedule(name, plain(spec.get("days")), plain(spec["hours"]))
            except ScheduleError as exc:
                option = "days" if str(exc).startswith("days") else "hours"
                raise self.fail(key_line(spec, option, line), f"schedule '{name}': {exc}") from None
            schedules[name] = ConstantSpec(name, schedule, self.where(line))
        return schedules

    def refuse_fullwidth_separators(self, value: Any, line: int, what: str) -> None:
        """`[新疆，西藏，青海]` is ONE item to YAML (the commas are full-width): refuse it
        rather than let 新疆 silently stop matching."""
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, str):
                continue
            found = next((mark for mark in _FULLWIDTH_SEPARATORS if mark in item), None)
            if found is not None:
                raise self.fail(
                    line,
                    f"{what}: '{item}' contains the full-width '{found}'; separate list "
                    "items with an ASCII comma ',' (or quote the text if it is one value)",
                )

    def read_keys(
        self, data: dict[str, Any], section_name: str, report: bool
    ) -> dict[str, KeySpec]:
        section = data.get(section_name)
        if section is None:
            return {}
        if not isinstance(section, dict):
            raise self.fail(
                key_line(data, section_name), f"{section_name} must map each key to a hit policy"
            )
        keys = {}
        for key, spec in section.items():
            line = key_line(section, key)
            keys[str(key)] = self.read_key_spec(str(key), spec, line, report)
        return keys

    def read_key_spec(self, key: str, spec: Any, line: int, report: bool) -> KeySpec:
        if isinstance(spec, str):
            spec = {"hit": spec}
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            raise self.fail(line, f"'{key}' needs a hit policy ({', '.join(HIT_POLICIES)})")
        for option in spec:
            if option not in KEY_SPEC_KEYS:
                hint = did_you_mean(str(option), KEY_SPEC_KEYS)
                raise self.fail(line, f"'{key}': unknown option '{option}'{hint}")
        hit = str(spec.get("hit", "priority"))
        if hit not in HIT_POLICIES:
            hint = did_you_mean(hit, HIT_POLICIES)
            raise self.fail(
                line,
                f"'{key}': unknown hit policy '{hit}'{hint}; use one of {', '.join(HIT_POLICIES)}",
            )
        declared: Type | None = None
        if "type" in spec:
            declared = self.read_type(key, spec["type"], line)
        default = plain(spec["default"]) if "default" in spec else NO_DEFAULT
        order = spec.get("order")
        if order is not None and (order != "file" or hit != "priority"):
            raise self.fail(
                line, f"'{key}': 'order: file' is the only order, and only with hit priority"
            )
        return KeySpec(key, hit, self.where(line), report, default, declared, order)  # type: ignore[arg-type]

    def read_type(self, key: str, raw: Any, line: int) -> Type:
        raw = plain(raw)
        if isinstance(raw, list):  # an enumeration: type: [a, b, c]
            self.refuse_fullwidth_separators(raw, line, f"'{key}' type")
            return enum(str(v) for v in raw)
        name = str(raw)
        if name not in BY_NAME:
            raise self.fail(line, f"'{key}': unknown type '{name}'{did_you_mean(name, BY_NAME)}")
        return BY_NAME[name]

    def read_section(
        self, data: dict[str, Any], name: str, allowed: tuple[str, ...], role: str
    ) -> list[RuleSpec]:
        section = data.get(name)
        if section is None:
            return []
        if not isinstance(section, list):
            raise self.fail(key_line(data, name), f"'{name}' must be a list of entries ('- id: …')")
        entries = []
        for index in range(len(section)):
            try:
                entries.append(self.read_entry(section, index, allowed, role))
            except RuleFileError as exc:  # report it with the others, go on to the next
                self.problems.append(exc)
        return entries

    def read_entry(
        self, section: list[Any], index: int, allowed: tuple[str, ...], role: str
    ) -> RuleSpec:
        entry = section[index]
        line = item_line(section, index)
        if not isinstance(entry, dict):
            raise self.fail(line, "each entry is a mapping starting with '- id: …'")
        line = node_line(entry, line)
        rule_id = entry.get("id")
        if not rule_id or not isinstance(rule_id, str):
            raise self.fail(line, "every rule needs an id (its catalog id, e.g. RET-001)")
        rule_id = str(rule_id)
        for key in entry:
            if key not in allowed:
                raise self.fail(
                    key_line(entry, key, line),
                    f"unknown key '{key}'{did_you_mean(str(key), allowed)}",
                    rule_id,
                )
        name = str(entry.get("name") or rule_id)
        when = entry.get("when")
        if when is not None and not isinstance(when, str | bool):
            raise self.fail(key_line(entry, "when", line), "when must be a condition", rule_id)
        when_text = (
            None
            if when is None
            else (
                "true"
                if when is True
                else "false"
                if when is False
                else with_folds(when, entry, "when", self.lines)
            )
        )
        priority = entry.get("priority", 0)
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise self.fail(
                key_line(entry, "priority", line), "priority must be a whole number", rule_id
            )
        return RuleSpec(
            id=rule_id,
            name=name,
            where=self.where(line),
            when=when_text,
            when_where=self.where(value_line(entry, "when", line)) if when is not None else None,
            sets=self.read_sets(entry, rule_id, line, role),
            priority=int(priority),
            message=None if entry.get("message") is None else str(entry["message"]),
            replaces=self.read_names(entry, "replaces", rule_id, line),
            role=role,  # type: ignore[arg-type]
            facts=self.read_names(entry, "facts", rule_id, line),
            invalid=self.read_names(entry, "invalid", rule_id, line),
        )

    def read_sets(
        self, entry: dict[str, Any], rule_id: str, line: int, role: str
    ) -> tuple[SetSpec, ...]:
        sets = entry.get("set")
        if sets is None:
            if role == "rule":
                raise self.fail(line, "a rule needs 'set:' (what it decides)", rule_id)
            return ()
        if not isinstance(sets, dict) or not sets:
            raise self.fail(key_line(entry, "set", line), "set must map keys to values", rule_id)
        specs = []
        for key, value in sets.items():
            where = self.where(value_line(sets, key, key_line(sets, key, line)))
            if isinstance(value, list):
                self.refuse_fullwidth_separators(plain(value), where.line, f"set {key}")
            specs.append(
                SetSpec(
                    str(key),
                    # keep folding for lines
                    with_folds(value, sets, key, self.lines)
                    if isinstance(value, str)
                    else plain(value),
                    where,
                )
            )
        return tuple(specs)

    def read_names(
        self, entry: dict[str, Any], key: str, rule_id: str, line: int
    ) -> tuple[str, ...]:
        value = plain(entry.get(key))
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key_line(entry, key, line), f"{key} must be a list of names", rule_id)
        self.refuse_fullwidth_separators(value, key_line(entry, key, line), key)
        return tuple(value)
