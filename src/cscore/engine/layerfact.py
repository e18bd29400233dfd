"""The facts of one evaluation's layers, encoded once and grown as layers settle.

Every layer of a rule set matches a fact that carries the fields its rules read, the
case's facts and the values settled so far (a rule's condition reads them all in one
fact, which is what the C core matches fastest). Re-encoding the whole fact to JSON
for every layer, and re-checking every field, was ~40 % of an evaluation; here each
field's JSON is encoded once (again only when a layer settles it anew), and a layer's
fact is the join of the pieces its rules read — the C core parses, matches and
retracts a fact in time proportional to its size, and most layers read a few of the
case's fields. The facts handed to the engine are still plain dicts (any engine may
read them); an engine that speaks JSON can use :meth:`LayerFact.json_with` instead of
encoding the dict again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from json.encoder import encode_basestring
from typing import Any

# One encoder for every call: json.dumps with options builds a new one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=True)


_EXPONENT = re.compile(r"\d[eE][+-]?\d")


def encode(value: Any) -> str:
    """Compact JSON with raw (unescaped) non-ASCII text: the C core compares strings
    byte for byte, so facts and rules must be encoded alike.

    The core's number parser refuses an exponent after a mantissa without a point
    (``1e+16``, ``1e-05``, ``5e-324``: error 204, measured) but reads ``1.0e+16``; Python
    writes every float from 1e16 up and below 1e-4 that way, so those get the point."""
    text = _ENCODER.encode(value)
    if _EXPONENT.search(text) is None:
        return text
    return _encode_exact(value)


def _encode_exact(value: Any) -> str:
    if type(value) is float:
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text
    if isinstance(value, Mapping):
        items = (f"{_encode_exact(str(key))}:{_encode_exact(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode_exact(item) for item in value) + "]"
    return _ENCODER.encode(value)


def _piece(name: str, value: Any) -> str:
    """``"name":value`` as JSON; the commonest values without the general encoder.

    Short texts, whole numbers and flags repeat from case to case (a request type, a
    category, a province; a day number): their pieces are kept, up to a bound. Each
    type has its own table, so ``True`` never finds the piece of ``1``."""
    kind = type(value)
    table = _TEXTS if kind is str else _WHOLES if kind is int else _FLAGS if kind is bool else None
    if table is not None and (kind is not str or len(value) <= MAX_KEPT_TEXT_CHARS):
        key = (name, value)
        found = table.get(key)
        if found is None:
            if len(table) >= MAX_KEPT_PIECES:
                table.clear()
            found = table[key] = _label(name) + _text(value)
        return found
    return _label(name) + _text(value)


def _text(value: Any) -> str:
    """A value's JSON (what json writes, without the general encoder where it can)."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        text = float.__repr__(value)  # what json writes, unless it has an exponent
        return encode(value) if "e" in text or "n" in text else text  # 1e+16, inf, nan
    return encode(value)


def _label(name: str) -> str:
    label = _LABELS.get(name)
    if label is None:
        label = _LABELS[name] = encode_basestring(name) + ":"
    return label


_LABELS: dict[str, str] = {}  # field name -> its JSON key and colon (names are few)
MAX_KEPT_PIECES = 4096  # per table
MAX_KEPT_TEXT_CHARS = 64
_TEXTS: dict[tuple[str, str], str] = {}  # (field name, text) -> its piece
_WHOLES: dict[tuple[str, int], str] = {}  # (field name, integer) -> its piece
_FLAGS: dict[tuple[str, bool], str] = {}  # (field name, flag) -> its piece


class SharedFields:
    """The engine fields of one evaluation and the JSON text of each."""

    __slots__ = ("fields", "pieces", "unchecked")

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields
        self.pieces: dict[str, str] = {}
        # Fields the engine has not yet checked (durable refuses NaN, None, …): a text, a
        # whole number or a flag has nothing to refuse.
        self.unchecked: dict[str, Any] = {}
        take = self.set
        for name, value in fields.items():
            take(name, value)

    def set(self, name: str, value: Any) -> None:
        self.fields[name] = value
        # _piece's commonest case (a text, whole number or flag seen before) looked up
        # here without the call: this runs for every field of every case.
        kind = type(value)
        if kind is str:
            found = _TEXTS.get((name, value))
        elif kind is int:
            found = _WHOLES.get((name, value))
        elif kind is bool:
            found = _FLAGS.get((name, value))
        else:
            found = None
            self.unchecked[name] = value
        self.pieces[name] = found if found is not None else _piece(name, value)

    def body(self, names: tuple[str, ...] | None) -> str:
        """The JSON of these fields (those that have a value), without braces; every
        field when ``names`` is None."""
        if names is None:
            return ",".join(self.pieces.values())
        return ",".join(filter(None, map(self.pieces.get, names)))

    def take_unchecked(self) -> dict[str, Any]:
        """The fields added since the engine last asked (it checks each one once)."""
        pending, self.unchecked = self.unchecked, {}
        return pending


class LayerFact(Mapping[str, Any]):
    """One layer fact: the shared fields its rules read, plus its tag ``t``.

    A read-only mapping over the evaluation's shared fields, not a copy of them: an
    engine that encodes facts itself (``encoded_facts``, as the durable adapter does)
    takes :meth:`json_with` and never reads the fields one by one, so building a dict
    per layer was wasted (~7 µs a case). Engines that expect plain dicts get
    :meth:`as_dict` (:func:`plain_facts`). ``names``: those fields (None: every shared
    field)."""

    __slots__ = ("names", "shared", "tag")

    def __init__(self, shared: SharedFields, tag: str, names: tuple[str, ...] | None) -> None:
        self.shared = shared
        self.tag = tag
        self.names = names

    def _present(self) -> list[str]:
        fields = self.shared.fields
        if self.names is None:
            return list(fields)
        return [name for name in self.names if name in fields]

    def __getitem__(self, key: str) -> Any:
        if key == "t":
            return self.tag
        if self.names is None or key in self.names:
            return self.shared.fields[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter([*self._present(), "t"])

    def __len__(self) -> int:
        return len(self._present()) + 1

    def as_dict(self) -> dict[str, Any]:
        """The fact as a plain dict (its fields as they are now, and ``t``)."""
        fields = self.shared.fields
        return {**{name: fields[name] for name in self._present()}, "t": self.tag}

    def json_with(self, extra: str) -> str:
        """The fact as JSON text with ``extra`` (``"sid":"3"``) appended."""
        body = self.shared.body(self.names)
        separator = "," if body else ""
        return f'{{{body}{separator}"t":{encode_basestring(self.tag)},{extra}}}'


def plain_facts(facts: list[Mapping[str, Any]] | None) -> list[Mapping[str, Any]] | None:
    """Facts as plain dicts, for an engine that does not take layer facts."""
    if not facts:
        return facts
    return [fact.as_dict() if isinstance(fact, LayerFact) else fact for fact in facts]
