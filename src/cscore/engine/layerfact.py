"""The facts of one evaluation's layers, encoded once and grown as layers settle.

Every layer of a rule set matches a fact that carries the case's facts and every value
settled so far (a rule's condition reads them all in one fact, which is what the C
core matches fastest). Re-encoding that whole fact to JSON for every layer, and
re-checking every field, was ~40 % of an evaluation; here the JSON text of the fields
is kept and each layer appends only the fields it settled. The facts handed to the
engine are still plain dicts (any engine may read them); an engine that speaks JSON
can use :attr:`LayerFact.shared` instead of encoding the dict again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
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


class SharedFields:
    """The engine fields of one evaluation and their JSON text (without braces)."""

    __slots__ = ("body", "fields", "unchecked")

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields
        self.body = encode(fields)[1:-1]
        # Fields the engine has not yet checked (durable refuses NaN, None, …).
        self.unchecked: dict[str, Any] = dict(fields)

    def set(self, name: str, value: Any) -> None:
        if name in self.fields:  # replaced, not added: encode the whole text anew
            self.fields[name] = value
            self.body = encode(self.fields)[1:-1]
        else:
            self.fields[name] = value
            piece = f"{encode(name)}:{encode(value)}"
            self.body = f"{self.body},{piece}" if self.body else piece
        self.unchecked[name] = value

    def take_unchecked(self) -> dict[str, Any]:
        """The fields added since the engine last asked (it checks each one once)."""
        pending, self.unchecked = self.unchecked, {}
        return pending


class LayerFact(dict[str, Any]):
    """One layer fact: the shared fields plus its tag ``t`` (a plain dict to read)."""

    __slots__ = ("shared", "tag")

    def __init__(self, shared: SharedFields, tag: str) -> None:
        super().__init__(shared.fields)
        self["t"] = tag
        self.shared = shared
        self.tag = tag

    def json_with(self, extra: str) -> str:
        """The fact as JSON text with ``extra`` (``"sid":"3"``) appended."""
        body = self.shared.body
        separator = "," if body else ""
        return f'{{{body}{separator}"t":{encode(self.tag)},{extra}}}'
