"""A decision explained for a person: per kind, the outcome, what to tell the customer,
the rule that decided each field (and the values it read, under it), and for a limited
outcome why not and what would change it; every other fired rule with ``--all``.

Rendered from the JSON decision alone (``decision.to_json_dict()`` or the decision
log), so ``cscore decisions show ID --explain`` reads the same as ``evaluate``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cscore.models.decision import Decision


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _pairs(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={_value(value)}" for key, value in values.items())


def explain(decision: Decision | Mapping[str, Any], show_all: bool = False) -> str:
    """The text of ``--explain`` for a decision or its JSON form."""
    data = decision.to_json_dict() if isinstance(decision, Decision) else decision
    explained = (data.get("explanation") or {}).get("kinds", {})
    lines = [f"case {data['case_id']} ({data['industry']})"]
    for kind, outcome in data["outcomes"].items():
        lines.append("")
        lines.append(f"[{kind}]")
        if not outcome:
            lines.append("  no rule decided anything for this kind")
        for key, value in outcome.items():
            lines.append(f"  {key}: {_value(value)}")
        entries: dict[str, Mapping[str, Any]] = {}
        for entry in data.get("trace", []):  # a calendar rule cited by a function comes
            if entry["kind"] == kind:  # after the rule of that id: the rule is kept
                entries.setdefault(entry.get("key") or entry["rule"], entry)
        part = explained.get(kind)
        shown: set[str] = set()
        if part is not None:
            _Kind(lines, part, entries, shown).render()
        rest = [entry for key, entry in entries.items() if key not in shown]
        if rest and (show_all or part is None):
            lines.append("  because:" if part is None else "  other rules that fired:")
            for entry in rest:
                _entry(lines, entry, "    ")
        elif rest:
            lines.append(f"  ({len(rest)} more rules fired without deciding anything: --all)")
    if data.get("warnings"):
        lines.append("")
        lines.extend(f"warning: {warning}" for warning in data["warnings"])
    lines.append("")
    lines.append(f"rules version {data['rules_version']}")
    return "\n".join(lines)


def _entry(lines: list[str], entry: Mapping[str, Any], indent: str) -> None:
    lines.append(
        f"{indent}{entry.get('key') or entry['rule']} {entry['name']}  ({entry['source']})"
    )
    if entry.get("matched"):
        lines.append(f"{indent}  matched: {_pairs(entry['matched'])}")
    if entry.get("set"):
        lines.append(f"{indent}  set:     {_pairs(entry['set'])}")
    if entry.get("overridden"):
        lines.append(
            f"{indent}  overridden by a higher-priority rule: {', '.join(entry['overridden'])}"
        )
    for name, place in (entry.get("overrides") or {}).items():
        lines.append(f"{indent}  uses {name} as redefined at {place}")


class _Kind:
    def __init__(
        self,
        lines: list[str],
        part: Mapping[str, Any],
        entries: Mapping[str, Mapping[str, Any]],
        shown: set[str],
    ) -> None:
        self.lines = lines
        self.part = part
        self.entries = entries
        self.shown = shown
        self.values_shown: set[str] = set()

    def render(self) -> None:
        messages = self.part.get("messages") or []
        if messages:
            self.lines.append("  tell the customer:")
            self.lines.extend(f"    {m['text']}" for m in messages)
        self.deciding()
        for why in self.part.get("why_not") or []:
            self.why_not(why)
        given = self.part.get("if_given") or []
        if given:
            self.lines.append("  if given:")
        for item in given:
            self.lines.append(f"    {item['fact']}:")
            for tried in item["outcomes"]:
                self.lines.append(f"      = {_value(tried['value'])} → {_pairs(tried['outcome'])}")

    def rule(self, ref: Mapping[str, Any], indent: str) -> None:
        key = ref["key"]
        entry = self.entries.get(key)
        if key in self.shown or entry is None:
            seen = " (above)" if key in self.shown else ""
            self.lines.append(f"{indent}{key} {ref['name']}  ({ref['source']}){seen}")
            return
        self.shown.add(key)
        _entry(self.lines, entry, indent)

    def deciding(self) -> None:
        deciding: Mapping[str, Any] = self.part.get("deciding") or {}
        groups: dict[tuple[str, ...], list[str]] = {}
        for field, found in deciding.items():
            keys = tuple(r["key"] for r in found["rules"]) or (f"default {found.get('default')}",)
            groups.setdefault(keys, []).append(field)
        if groups:
            self.lines.append("  decided by:")
        for fields in groups.values():
            found = deciding[fields[0]]
            self.lines.append(f"    {', '.join(fields)}:")
            if not found["rules"]:
                self.lines.append(f"      the default declared at {found.get('default')}")
            for ref in found["rules"]:
                self.rule(ref, "      ")
            if found.get("beat"):
                self.lines.append(f"      beat: {', '.join(found['beat'])}")
            skipping = 0  # the depth of a value already explained: its subtree is above
            for support in found.get("supports") or []:
                if skipping and support["depth"] > skipping:
                    continue
                skipping = 0
                if support["value"] in self.values_shown:
                    skipping = support["depth"]
                    continue
                self.values_shown.add(support["value"])
                indent = "      " + "  " * support["depth"]
                self.lines.append(
                    f"{indent}read {support['value']}={_value(support['is'])}, set by:"
                )
                for ref in support["rules"]:
                    self.rule(ref, indent + "  ")

    def why_not(self, why: Mapping[str, Any]) -> None:
        self.lines.append(f"  why not ({why['key']} is {_value(why['value'])}):")
        for alternative in why["rules"]:
            self.alternative(alternative, "    ")
        for against in why.get("against") or []:
            self.lines.append(
                f"    {against['key']} {against['name']} decided it  ({against['source']}); "
                "it would not apply if:"
            )
            for held in against["holds"]:
                change = held.get("change")
                if change:
                    self.lines.append(f"      {change['text']}  ({_change(change)})")

    def alternative(self, alternative: Mapping[str, Any], indent: str) -> None:
        self.lines.append(
            f"{indent}{alternative['key']} {alternative['name']} would set "
            f"{_pairs(alternative['would_set'])}  ({alternative['source']})"
        )
        if alternative.get("beaten_by"):
            self.lines.append(
                f"{indent}  it applies, but {', '.join(alternative['beaten_by'])} takes precedence"
            )
        for failed in alternative["failed"]:
            self.lines.append(f"{indent}  failed: {failed['actual']}")
            change = failed.get("change")
            if change:
                self.lines.append(
                    f"{indent}    would change it: {change['text']}  ({_change(change)})"
                )
            for nested in failed.get("via") or []:
                self.alternative(nested, indent + "    ")


def _change(change: Mapping[str, Any]) -> str:
    value = change["value"]
    if value is None:
        return f"{change['name']} {change['op']} null"
    shown = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else _value(value)
    return f"{change['name']} {change['op']} {shown}"
