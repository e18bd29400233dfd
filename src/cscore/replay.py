"""Replay a logged decision: decide its case again and say whether anything changed.

The case is decided as it was received, at the instant the decision was made (the
case's ``as_of``, or the kernel's clock then), by a kernel built on the rule files it
was decided with — their texts come back from the decision log into a temporary rules
folder — or, with ``current=True``, on the rules in force now. Outcomes are compared
field by field; different plugin or calendar data versions are reported as notes, since
they may explain a difference. The CLI (``cscore decisions replay``) only prints this.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cscore.calendar import HostCalendar
from cscore.errors import CscoreError
from cscore.kernel import Kernel
from cscore.models.decision import Decision
from cscore.store import DecisionStore


class ReplayError(CscoreError):
    """A decision that cannot be replayed (not logged, logged before replays existed)."""


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()  # a field one side has and the other has not


@dataclass(frozen=True)
class Difference:
    kind: str
    field: str
    logged: Any
    replayed: Any

    def __str__(self) -> str:
        logged, replayed = _shown(self.logged), _shown(self.replayed)
        return f"{self.kind}.{self.field}: logged {logged}, replayed {replayed}"


@dataclass
class ReplayResult:
    decision_id: int
    as_of: str | None  # the instant the case was decided at again
    current: bool  # True: against the rules in force now, not the logged ones
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # versions that differ

    @property
    def same(self) -> bool:
        return not self.differences


def replay_decision(
    store: DecisionStore,
    decision_id: int,
    *,
    current: bool = False,
    rules_dir: str | Path | None = None,
    plugins: Iterable[Any] = (),
    load_entrypoints: bool = True,
    calendar: HostCalendar | None = None,
) -> ReplayResult:
    """Replay one logged decision. ``rules_dir`` is the current rules folder (used only
    with ``current``); ``plugins``/``load_entrypoints``/``calendar`` as for
    :class:`~cscore.kernel.Kernel`, so a host replays with the set-up it decides with."""
    record = _record(store, decision_id)
    options = {"plugins": plugins, "load_entrypoints": load_entrypoints, "calendar": calendar}
    with _kernel_for(record, current=current, rules_dir=rules_dir, **options) as kernel:
        return _compare(record, kernel, current=current)


def replay_many(
    store: DecisionStore,
    decision_ids: Iterable[int],
    *,
    plugins: Iterable[Any] = (),
    load_entrypoints: bool = True,
    calendar: HostCalendar | None = None,
) -> list[ReplayResult]:
    """Replay several logged decisions against their own rule files, building one
    kernel per distinct set of rule files (decisions of one kernel share it) rather
    than one per decision. Results in the order of ``decision_ids``."""
    records = [_record(store, decision_id) for decision_id in decision_ids]
    results: dict[int, ReplayResult] = {}
    by_files: dict[str | None, list[dict[str, Any]]] = {}
    for record in records:
        by_files.setdefault(record["rule_file_set"], []).append(record)
    options = {"plugins": plugins, "load_entrypoints": load_entrypoints, "calendar": calendar}
    for group in by_files.values():
        with _kernel_for(group[0], current=False, rules_dir=None, **options) as kernel:
            for record in group:
                kernel.clock = _instant(record["as_of"])  # each decision at its own
                results[record["id"]] = _compare(record, kernel, current=False)
    return [results[record["id"]] for record in records]


def _instant(as_of: str) -> Callable[[], dt.datetime]:
    moment = dt.datetime.fromisoformat(as_of)
    return lambda: moment


def decide_again(
    store: DecisionStore,
    decision_id: int,
    *,
    plugins: Iterable[Any] = (),
    load_entrypoints: bool = True,
    calendar: HostCalendar | None = None,
) -> Decision:
    """The logged decision made again from the log alone (its case, instant and rule
    files), with everything a logged row does not keep, such as the explanation."""
    record = _record(store, decision_id)
    options = {"plugins": plugins, "load_entrypoints": load_entrypoints, "calendar": calendar}
    with _kernel_for(record, current=False, rules_dir=None, **options) as kernel:
        decision = kernel.evaluate(record["case"])
        decision.to_json_dict()  # build the lazy parts while the kernel is open
        return decision


def _record(store: DecisionStore, decision_id: int) -> dict[str, Any]:
    record = store.replay_record(decision_id)
    if record is None:
        raise ReplayError(f"no decision {decision_id} in {store.path}")
    if record["as_of"] is None:
        raise ReplayError(
            f"decision {decision_id} was logged without the instant it was decided at "
            "(before the log kept it); it cannot be replayed"
        )
    return record


@contextlib.contextmanager
def _kernel_for(
    record: dict[str, Any],
    *,
    current: bool,
    rules_dir: str | Path | None,
    **options: Any,
) -> Iterator[Kernel]:
    """A kernel without a log whose clock stands at the logged instant, on the logged
    rule files (or, ``current``, on today's)."""
    instant = dt.datetime.fromisoformat(record["as_of"])
    if current:
        with Kernel(rules_dir=rules_dir, clock=lambda: instant, **options) as kernel:
            yield kernel
        return
    files = record["rule_files"]
    if not files:
        raise ReplayError(
            f"decision {record['id']} was logged without its rule files; "
            "replay it against the current rules (--current)"
        )
    with tempfile.TemporaryDirectory(prefix="cscore-replay-") as folder:
        rules = Path(folder) / "rules"  # traces then name files as when decided
        materialise(files, rules)
        with Kernel(rules_dir=rules, clock=lambda: instant, **options) as kernel:
            yield kernel


def materialise(files: Iterable[Mapping[str, Any]], target: Path) -> None:
    """Write logged rule files back as ``target/<root>/<name>`` (``common/``,
    ``<industry>/``): the layout a kernel's ``rules_dir`` reads."""
    for ref in files:
        root, name, text = ref["root"], ref["name"], ref["text"]
        for part in (root, name):
            if Path(part).name != part or part in ("", ".", ".."):
                raise ReplayError(f"logged rule file {ref['path']}: unsafe name {part!r}")
        if text is None:
            raise ReplayError(
                f"the text of {ref['path']} (sha256 {ref['sha256'][:12]}…) is not in the log"
            )
        folder = target / root
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(text.encode("utf-8"))


def _compare(record: dict[str, Any], kernel: Kernel, *, current: bool) -> ReplayResult:
    decision = kernel.evaluate(record["case"])
    replayed = json.loads(json.dumps(decision.to_json_dict()["outcomes"], default=str))
    result = ReplayResult(record["id"], record["as_of"], current)
    result.differences = compare_outcomes(record["outcomes"], replayed)
    result.notes = _version_notes(record, kernel)
    return result


def compare_outcomes(
    logged: Mapping[str, Mapping[str, Any]], replayed: Mapping[str, Mapping[str, Any]]
) -> list[Difference]:
    """Every field, per kind, whose value differs (or is on one side only)."""
    differences = []
    for kind in [*logged, *(k for k in replayed if k not in logged)]:
        before, after = logged.get(kind, {}), replayed.get(kind, {})
        for name in [*before, *(k for k in after if k not in before)]:
            old, new = before.get(name, ABSENT), after.get(name, ABSENT)
            if old != new or isinstance(old, bool) != isinstance(new, bool):  # 1 ≠ true
                differences.append(Difference(kind, name, old, new))
    return differences


def _version_notes(record: dict[str, Any], kernel: Kernel) -> list[str]:
    notes = []
    logged: dict[str, str] = record["plugin_versions"]
    now = kernel.plugin_versions
    for name in sorted(logged.keys() | now.keys()):
        if logged.get(name) != now.get(name):
            notes.append(
                f"plugin {name}: {logged.get(name) or 'not installed'} when decided, "
                f"{now.get(name) or 'not installed'} now"
            )
    if record["calendar_version"] not in (None, kernel.calendar_version):
        notes.append(
            f"calendar data: {record['calendar_version']} when decided, "
            f"{kernel.calendar_version} now"
        )
    return notes


def _shown(value: Any) -> str:
    return repr(value) if value is ABSENT else json.dumps(value, ensure_ascii=False)
