"""The trace of a decision's fired rules, in the two forms it is read in.

:func:`trace_entries` builds the :class:`TraceEntry` objects a host reads
(``decision.trace``); :func:`trace_for_log` builds the same entries as the plain
JSON-ready dicts the decision log writes, without those objects: a logged decision paid
more for building and then serialising its trace than for its SQLite commit. Both walk
the same :func:`_fired`, so they cannot drift apart; ``tests/test_log_json.py`` checks
that the two serialise alike on every workload and rule case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, NamedTuple

from cscore.jsonvalues import to_json_dict
from cscore.models.decision import TraceEntry


class _Fired(NamedTuple):
    """One trace entry's parts; the values as computed, not yet JSON-ready."""

    rule: str
    name: str
    kind: str
    ruleset: str
    source: str
    values: dict[str, Any]
    matched: dict[str, Any]
    overridden: list[str]
    overrides: dict[str, str]
    message: str | None
    key: str
    money: frozenset[str]  # the rule set's money keys


# Values the log's encoder writes as to_json_dict would make them: everything else (a
# timestamp to put in +08:00, a list, a nested object, money to round) goes through it.
_PLAIN = frozenset({str, int, float, bool, type(None), dt.date})


def _fired(results: list[tuple[str, Any, Any]]) -> Iterator[_Fired]:
    """Every kind's fired rules in order. A counting rule of the calendar
    (COMMON-CAL-004…) is cited once per kind, after the first rule whose values used it."""
    for kind, ruleset, result in results:
        cited: set[str] = set()
        money = ruleset.money
        for firing in result.firings:
            rule = firing.rule
            yield _Fired(
                rule.id,
                rule.name,
                kind,
                ruleset.key,
                str(rule.where),
                firing.values,
                result.matched(firing),
                result.overridden(firing),
                rule.overrides,
                rule.message,
                rule.key or rule.id,
                money,
            )
            for rule_id, name, function in rule.cites:
                if rule_id in cited or rule_id == rule.id or not firing.values:
                    continue
                cited.add(rule_id)
                source = f"calendar: {function}() used by {rule.id}"
                yield _Fired(
                    rule_id,
                    name,
                    kind,
                    ruleset.key,
                    source,
                    {},
                    {},
                    [],
                    {},
                    None,
                    rule_id,
                    money,
                )


def trace_entries(results: list[tuple[str, Any, Any]]) -> list[TraceEntry]:
    """The trace entries of every kind's fired rules (built when first read)."""
    return [
        TraceEntry.build(
            rule=fired.rule,
            name=fired.name,
            kind=fired.kind,
            ruleset=fired.ruleset,
            source=fired.source,
            set_values=to_json_dict(fired.values, fired.money),
            matched=to_json_dict(fired.matched, fired.money),
            overridden=fired.overridden,
            overrides=fired.overrides,
            message=fired.message,
            key=fired.key,
        )
        for fired in _fired(results)
    ]


def trace_for_log(results: list[tuple[str, Any, Any]]) -> list[dict[str, Any]]:
    """The same entries as the JSON the log keeps (``TraceEntry``'s field names and
    omissions). Values that are already what :func:`to_json_dict` would make of them
    (plain scalars, dates, no money) are left as they are: the log's encoder writes a
    date as ISO text too, in Rust."""
    entries = []
    for fired in _fired(results):
        entry = {
            "rule": fired.rule,
            "name": fired.name,
            "kind": fired.kind,
            "ruleset": fired.ruleset,
            "source": fired.source,
            "set": _json_ready(fired.values, fired.money),
            "matched": _json_ready(fired.matched, fired.money),
        }
        if fired.overridden:
            entry["overridden"] = fired.overridden
        if fired.overrides:
            entry["overrides"] = fired.overrides
        if fired.message is not None:
            entry["message"] = fired.message
        entry["key"] = fired.key
        entries.append(entry)
    return entries


def _json_ready(values: dict[str, Any], money: frozenset[str]) -> dict[str, Any]:
    if money.isdisjoint(values) and _PLAIN.issuperset(map(type, values.values())):
        return values
    return to_json_dict(values, money)


def entries_for_log(entries: list[TraceEntry]) -> list[dict[str, Any]]:
    """Trace entries built as objects (an asked-for fact's), as the log keeps them."""
    return [entry.model_dump(mode="json") for entry in entries]
