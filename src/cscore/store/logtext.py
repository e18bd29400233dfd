"""The decision log's texts — a decision's JSON, the columns cut from it, the case as
received — put together from the parts a decision is made of.

Made in one of two places, by the same functions, so both give the same bytes
(``tests/test_log_json.py``):

- in the deciding process, by :func:`cscore.store.logrow.log_columns`, for a decision
  committed directly or made by a pool worker;
- in the journal's loader, for a decision journaled as its parts
  (:func:`decision_record`, read back by :func:`row_from_record`): the caller then pays
  only for picking the parts and one :mod:`marshal` call, and the JSON is written by the
  loader process, on another core, behind it.

Light on purpose: the loader process imports this module (pydantic_core and the
stdlib; cscore's value conversions only when a value needs them).
"""

from __future__ import annotations

import json
import marshal
import threading
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

from pydantic_core import to_json as _rust_json

# decision JSON, kinds, outcomes, warnings
LogColumns = tuple[str, str, str, str]

# A trace as the log writes it, in parts (UTF-8 JSON): the entries' text — the static
# pieces every case of a rule shares by number (:func:`piece_number`), the few made for
# one case as bytes — with a slot (None) for the members of each entry's "set" and
# "matched" objects; those objects, every entry's, encoded as one JSON array (the slots'
# order, two per entry), or each alone when a value's text holds the "},{" the array is
# cut at; the JSON of the entries built as objects (facts asked for by consequence),
# which follow the fired rules' entries.
TracePieces = tuple[list[int | bytes | None], bytes | list[bytes], list[bytes]]

# The static pieces of trace text this process has numbered (cscore.trace makes them
# once per rule). A journaled decision names its pieces by number, so its record holds
# what the case decided and not the rules' names and sources again (three quarters of
# its bytes); each journal file holds the pieces it names ("t" records, written before
# the first decision that names them), and its reader puts them back (PieceTable).
_registry: list[bytes] = []
_numbers: dict[bytes, int] = {}
_registering = threading.Lock()


def piece_number(piece: bytes) -> int:
    """The number of a static piece of trace text (the same bytes, the same number)."""
    number = _numbers.get(piece)
    if number is None:
        with _registering:
            number = _numbers.get(piece)
            if number is None:
                number = len(_registry)
                _registry.append(piece)
                _numbers[piece] = number
    return number


def numbered_pieces() -> list[bytes]:
    """Every piece numbered so far, by number (grows; never reordered)."""
    return _registry


class PieceTable:
    """The static pieces a reader of a journal knows, by number: those of its "t"
    records read so far (``scanned``: up to that byte offset), or — for the process
    that wrote the journal — its own (``own``)."""

    def __init__(self, own: list[bytes] | None = None) -> None:
        self.own = own
        self.found: dict[int, bytes] = {}
        self.scanned = 0

    def add(self, first: int, pieces: list[bytes]) -> None:
        if self.own is None:
            for number, piece in enumerate(pieces, first):
                self.found[number] = piece

    def __getitem__(self, number: int) -> bytes:
        return self.own[number] if self.own is not None else self.found[number]


_to_json: Callable[[Any], Any] | None = None


def _fallback(value: Any) -> Any:
    """What pydantic's encoder does not know, as :func:`cscore.jsonvalues.to_json`
    makes it (imported when first needed: the loader seldom does)."""
    global _to_json
    if _to_json is None:
        from cscore.jsonvalues import to_json

        _to_json = to_json
    return _to_json(value)


def encode_utf8(value: Any) -> bytes:
    """pydantic's own encoder (what ``model_dump_json`` runs), so the text is the same:
    a NaN as null, a date as ISO text; anything it does not know as to_json makes it."""
    return _rust_json(value, inf_nan_mode="null", fallback=_fallback)


def encode(value: Any) -> str:
    """:func:`encode_utf8` as text."""
    return _rust_json(value, inf_nan_mode="null", fallback=_fallback).decode()


def text(value: str) -> str:
    """A text as JSON (the stdlib's C escaping: the same characters as pydantic's)."""
    if type(value) is not str:
        raise TypeError(f"not a text: {value!r}")
    return encode_basestring(value)


def texts(values: list[str]) -> str:
    return "[" + ",".join(map(text, values)) + "]"


# -- the trace ------------------------------------------------------------------------


def encoded_members(values: list[dict[str, Any]]) -> bytes | list[bytes]:
    """The objects' members, for :data:`TracePieces`: one encoding of them all, or —
    when a value's text holds ``},{`` and the one text would not cut apart right — one
    text per object."""
    whole = encode_utf8(values)
    if whole.count(b"},{") == len(values) - 1:
        return whole
    return [encode_utf8(found)[1:-1] for found in values]


def trace_utf8(pieces: TracePieces, table: PieceTable | list[bytes] = _registry) -> bytes:
    """The trace's JSON from its pieces (``table``: the numbered pieces; this
    process's own by default)."""
    slots, members, asked = pieces
    if slots:
        parts = members[2:-2].split(b"},{") if isinstance(members, bytes) else members
        filled = [table[slot] if type(slot) is int else slot for slot in slots]
        filled[1::5] = parts[0::2]
        filled[3::5] = parts[1::2]
        fired = b"".join(filled)  # type: ignore[arg-type]  # every slot is filled now
        if not asked:
            return b"[" + fired + b"]"
        return b"[" + b",".join([fired, *asked]) + b"]"
    return b"[" + b",".join(asked) + b"]"


# -- the decision's columns -------------------------------------------------------------


def columns_utf8(
    case_id: str,
    industry: str,
    outcomes: dict[str, Any],
    warnings: list[str],
    rules_version: str,
    trace: bytes,
) -> tuple[bytes, str, str, str]:
    """The decision's JSON as UTF-8 (the keys in the order pydantic writes them, the
    trace last) and the kinds, outcomes and warnings columns, the same pieces of text."""
    outcomes_text = encode(outcomes)
    warnings_text = texts(warnings)
    head = (
        f'{{"case_id":{text(case_id)},"industry":{text(industry)},'
        f'"outcomes":{outcomes_text},"warnings":{warnings_text},'
        f'"rules_version":{text(rules_version)},"trace":'
    )
    decision = head.encode() + trace + b"}"
    return decision, texts(list(outcomes)), outcomes_text, warnings_text


def columns(
    case_id: str,
    industry: str,
    outcomes: dict[str, Any],
    warnings: list[str],
    rules_version: str,
    pieces: TracePieces,
) -> LogColumns:
    """:func:`columns_utf8` with the decision's JSON as text."""
    decision, kinds, outcomes_text, warnings_text = columns_utf8(
        case_id, industry, outcomes, warnings, rules_version, trace_utf8(pieces)
    )
    return decision.decode(), kinds, outcomes_text, warnings_text


# -- the case -----------------------------------------------------------------------------


def compact_json(value: Any) -> str:
    """JSON without spaces, non-ASCII as it is (what the log keeps beside the texts)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _received(value: Any) -> Any:
    """A value JSON has no form for, as :func:`cscore.jsonvalues.as_received` makes it
    (the encoder asks only for those: dates, and what is shown as its repr)."""
    import datetime as dt

    return value.isoformat() if isinstance(value, dt.date) else repr(value)


_encode_case = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_received).encode


def case_json(case: dict[str, Any]) -> str:
    """The case as received: ``as_received`` and then JSON, in one pass of the C encoder
    instead of a walk in Python. A key it refuses (a date) takes the long way; the one
    difference left is a ``True``/``None`` key, written ``true``/``null`` (JSON's names)
    rather than as Python's."""
    try:
        return _encode_case(case)
    except TypeError:
        from cscore.jsonvalues import as_received

        return compact_json(as_received(case))


# -- a decision journaled as its parts ------------------------------------------------------

# The row's fields before and after its four texts (DecisionStore.submit's order):
# case_id, industry, decided_at, as_of, duration_ms, rules_version, plugin_versions;
# calendar_version, rule_file_set.
Head = tuple[str, str, str, str | None, float, str, str]
Tail = tuple[str | None, str | None]


def decision_record(
    head: Head,
    tail: Tail,
    case: dict[str, Any],
    outcomes: dict[str, Any],
    warnings: list[str],
    pieces: TracePieces,
) -> bytes | None:
    """The journal payload of a decision as its parts (``"D"``), or ``None`` when a
    value cannot be marshalled (a host's object): then the caller journals the texts.
    A case marshal refuses (a ``date`` a Python host put in its facts) goes as its text."""
    record = ("D", head, tail, case, outcomes, warnings, pieces)
    try:
        return marshal.dumps(record)
    except ValueError:
        pass
    try:
        return marshal.dumps(("D", head, tail, case_json(case), outcomes, warnings, pieces))
    except ValueError:
        return None


def row_from_record(
    record: tuple[Any, ...], table: PieceTable | list[bytes] = _registry
) -> tuple[Any, ...]:
    """A ``"D"`` record as the row :func:`cscore.store.load.insert` writes: its texts
    written here, as the deciding process would have written them (``table``: the
    journal's pieces, this process's own by default; KeyError: a piece it names is not
    there)."""
    _tag, head, tail, case, outcomes, warnings, pieces = record
    case_id, industry, decided_at, as_of, duration_ms, rules_version, plugins = head
    decision, kinds, outcomes_text, warnings_text = columns_utf8(
        case_id, industry, outcomes, warnings, rules_version, trace_utf8(pieces, table)
    )
    case_text = case if isinstance(case, str) else case_json(case)
    return (
        case_id,
        industry,
        kinds,
        decided_at,
        as_of,
        duration_ms,
        rules_version,
        plugins,
        outcomes_text,
        warnings_text,
        case_text.encode(),
        decision,
        *tail,
    )
