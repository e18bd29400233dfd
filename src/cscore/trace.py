"""The trace of a decision's fired rules, in the two forms it is read in.

:func:`trace_entries` builds the :class:`TraceEntry` objects a host reads
(``decision.trace``); :func:`trace_pieces` gives the same entries as the JSON text the
decision log keeps, in pieces, without those objects. Both walk the same :func:`_fired`, so they
cannot drift apart; ``tests/test_log_json.py`` checks that the two serialise alike on
every workload, rule and public case.

Most of an entry is the same on every case: the rule's id, name, kind, rule set, source,
overrides, message and key (:class:`_Static`, made once per rule and kind). The log's
form writes those as text made once, and encodes only what the case decided (the values
set and matched) — all of a decision's in one call of pydantic's encoder: a logged
decision paid more for building and serialising its trace than for its SQLite commit.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterator
from itertools import chain
from json.encoder import encode_basestring
from typing import Any

from cscore.jsonvalues import to_json_dict
from cscore.models.decision import TraceEntry
from cscore.store.logtext import (
    TracePieces,
    encode,
    encode_utf8,
    encoded_members,
    piece_number,
)

_MATCHED = piece_number(b'},"matched":{')


class _Static:
    """The parts of one rule's trace entry that every case shares, and their JSON."""

    __slots__ = (
        "first",
        "key",
        "kind",
        "matched_money",
        "message",
        "money",
        "name",
        "next",
        "overrides",
        "rounds",
        "rule",
        "ruleset",
        "set_money",
        "source",
        "tail",
    )

    def __init__(
        self,
        *,
        rule: str,
        name: str,
        kind: str,
        ruleset: str,
        source: str,
        overrides: dict[str, str],
        message: str | None,
        key: str,
        money: frozenset[str],
        set_keys: tuple[str, ...] = (),
        shown: tuple[str, ...] = (),
    ) -> None:
        self.rule, self.name, self.kind, self.ruleset = rule, name, kind, ruleset
        self.source, self.overrides, self.message, self.key = source, overrides, message, key
        self.money = money
        # whether a value it sets or reads may be money, to round (else left as computed):
        # a firing's values are keyed by its rule's sets, what it matched by `shown`
        self.set_money = not money.isdisjoint(set_keys)
        self.matched_money = not money.isdisjoint(shown)
        self.rounds = self.set_money or self.matched_money
        # TraceEntry's keys in the order pydantic writes them; "set" and "matched" are
        # the case's, "overridden" too (between "matched" and "overrides", when any):
        # head + set's members + _MATCHED + matched's members + close
        head = (
            f'{{"rule":{encode(rule)},"name":{encode(name)},"kind":{encode(kind)},'
            f'"ruleset":{encode(ruleset)},"source":{encode(source)},"set":{{'
        )
        tail = f',"overrides":{encode(overrides)}' if overrides else ""
        if message is not None:
            tail += f',"message":{encode(message)}'
        self.tail = f'{tail},"key":{encode(key)}}}'.encode()
        # the entry's text (UTF-8, once, by number: cscore.store.logtext.piece_number),
        # with a slot for each object's members (the first entry's, and one after
        # another entry's)
        close = piece_number(b"}" + self.tail)
        self.first = (piece_number(head.encode()), None, _MATCHED, None, close)
        self.next = (piece_number(b"," + head.encode()), None, _MATCHED, None, close)


# Per rule of a rule set: the rule, its entry's static parts, and the calendar rules its
# values cite (id, static), made on the first case that fires it.
_RuleParts = tuple[Any, _Static, tuple[tuple[str, _Static], ...]]
# Per (rule set, kind): its rules' parts by id(rule) (the rule is kept, so the id is
# not reused while it is there); dropped with the rule set.
_tables: dict[tuple[int, str], tuple[weakref.ref[Any], dict[int, _RuleParts]]] = {}


def _table(ruleset: Any, kind: str) -> dict[int, _RuleParts]:
    key = (id(ruleset), kind)
    found = _tables.get(key)
    if found is not None and found[0]() is ruleset:
        return found[1]

    def forget(ref: weakref.ref[Any]) -> None:
        held = _tables.get(key)
        if held is not None and held[0] is ref:
            del _tables[key]

    table: dict[int, _RuleParts] = {}
    _tables[key] = (weakref.ref(ruleset, forget), table)
    return table


def _parts(rule: Any, kind: str, ruleset: Any) -> _RuleParts:
    money = ruleset.money
    static = _Static(
        rule=rule.id,
        name=rule.name,
        kind=kind,
        ruleset=ruleset.key,
        source=str(rule.where),
        overrides=rule.overrides,
        message=rule.message,
        key=rule.key or rule.id,
        money=money,
        set_keys=tuple(item.key for item in rule.sets),
        shown=rule.shown,
    )
    cites = tuple(
        (
            rule_id,
            _Static(
                rule=rule_id,
                name=name,
                kind=kind,
                ruleset=ruleset.key,
                source=f"calendar: {function}() used by {rule.id}",
                overrides={},
                message=None,
                key=rule_id,
                money=money,
            ),
        )
        for rule_id, name, function in rule.cites
        if rule_id != rule.id
    )
    return rule, static, cites


# One fired rule: its static parts, the values it set, the values its condition read,
# the keys another rule decided instead. The values as computed, not yet JSON-ready.
_Fired = tuple[_Static, dict[str, Any], dict[str, Any], list[str]]
_NOTHING: dict[str, Any] = {}


def _fired(results: list[tuple[str, Any, Any]]) -> Iterator[_Fired]:
    """Every kind's fired rules in order. A counting rule of the calendar
    (COMMON-CAL-004…) is cited once per kind, after the first rule whose values used it."""
    for kind, ruleset, result in results:
        table = _table(ruleset, kind)
        cited: set[str] = set()
        matched, overridden = result.matched, result.overridden
        for firing in result.firings:
            rule = firing.rule
            parts = table.get(id(rule))
            if parts is None or parts[0] is not rule:
                parts = table[id(rule)] = _parts(rule, kind, ruleset)
            yield parts[1], firing.values, matched(firing), overridden(firing)
            if parts[2] and firing.values:
                for rule_id, static in parts[2]:
                    if rule_id not in cited:
                        cited.add(rule_id)
                        yield static, _NOTHING, _NOTHING, []


def trace_entries(results: list[tuple[str, Any, Any]]) -> list[TraceEntry]:
    """The trace entries of every kind's fired rules (built when first read)."""
    return [
        TraceEntry.build(
            rule=static.rule,
            name=static.name,
            kind=static.kind,
            ruleset=static.ruleset,
            source=static.source,
            set_values=to_json_dict(values, static.money),
            matched=to_json_dict(matched, static.money),
            overridden=overridden,
            overrides=static.overrides or {},  # an empty one not shared between entries
            message=static.message,
            key=static.key,
        )
        for static, values, matched, overridden in _fired(results)
    ]


# Values the log's encoder writes as to_json_dict would make them: everything else (a
# timestamp to put in +08:00, a list, a nested object) goes through it, as money does.
_PLAIN = frozenset({str, int, float, bool, type(None), dt.date})


def trace_pieces(results: list[tuple[str, Any, Any]], asked: list[TraceEntry]) -> TracePieces:
    """The trace as the log's JSON text — :func:`trace_entries`, then ``asked`` (entries
    built as objects: facts asked for by consequence), as pydantic writes them — in
    pieces (:data:`cscore.store.logtext.TracePieces`): put together by
    :func:`cscore.store.logtext.trace_utf8`, here or in the journal's loader.

    Each entry is its static text with the members of its "set" and "matched" objects
    in between; those objects, every entry's, are encoded in one call, as one list (cut
    apart where one ends and the next begins when the text is put together).
    """
    values: list[dict[str, Any]] = []
    slots: list[int | bytes | None] = []  # per entry: head, set, _MATCHED, matched, close
    for static, set_values, matched, overridden in _fired(results):
        if static.rounds:
            if static.set_money:
                set_values = to_json_dict(set_values, static.money)
            if static.matched_money:
                matched = to_json_dict(matched, static.money)
        values += (set_values, matched)
        slots += static.next if slots else static.first
        if overridden:
            keys = ",".join(map(encode_basestring, overridden)).encode()
            slots[-1] = b'},"overridden":[' + keys + b"]" + static.tail
    if slots and not _PLAIN.issuperset(map(type, chain.from_iterable(map(dict.values, values)))):
        # in the form to_json_dict gives, as trace_entries makes them (a list, a timestamp)
        values = [
            to_json_dict(found, static.money)
            for static, set_values, matched, _ in _fired(results)
            for found in (set_values, matched)
        ]
    members = encoded_members(values) if slots else b""
    return slots, members, [encode_utf8(entry.model_dump(mode="json")) for entry in asked]
