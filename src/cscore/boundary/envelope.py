"""The case envelope at the boundary: JSON text and host dicts within the limits of
:mod:`cscore.boundary`, or a :class:`CaseError` naming the field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cscore.boundary import (
    MAX_BODY_CHARS,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_KEYS,
    MAX_STRING_CHARS,
    MAX_VALUES,
)
from cscore.errors import CaseError

_INT_BOUND = 10**MAX_INT_DIGITS


class _Limit(Exception):
    """A limit was passed; ``path`` is filled in (innermost first) while unwinding."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Limit(f"an integer of {digits} digits; at most {MAX_INT_DIGITS}")
    return int(text)


def parse_text(raw: str | bytes | bytearray) -> Any:
    """JSON text (or UTF-8 bytes) as Python values, within the envelope's limits."""
    if len(raw) > MAX_BODY_CHARS:
        raise CaseError("case", f"is {len(raw):,} characters long; at most {MAX_BODY_CHARS:,}")
    if isinstance(raw, bytes | bytearray):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CaseError("case", f"is not UTF-8 text ({exc.reason})") from None
    try:
        return json.loads(raw, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise CaseError(
            "case", f"is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise CaseError("case", f"is nested deeper than {MAX_DEPTH} levels") from None
    except _Limit as exc:
        raise CaseError("case", f"is not accepted: {exc.message}") from None


def check_values(raw: Mapping[str, Any]) -> None:
    """Refuse an envelope deeper, wider or longer than the limits, naming the field."""
    if _within_limits(raw):
        return  # every case a host sends in earnest: one quick pass, no path kept
    budget = _Budget()
    try:
        budget.walk(raw, 0)
    except _Limit as exc:
        raise CaseError(".".join(reversed(exc.path)) or "case", exc.message) from None


def _within_limits(raw: Mapping[str, Any]) -> bool:
    """Whether the envelope keeps every limit (False: walk it again to name the field).
    Iterative, scalars checked where they are found: it runs for every case."""
    pending: list[tuple[Any, int]] = [(raw, 0)]
    count = 1
    while pending:
        container, depth = pending.pop()
        if depth >= MAX_DEPTH:
            return False
        if type(container) is dict or isinstance(container, Mapping):
            if len(container) > MAX_KEYS:
                return False
            items = []
            for key, item in container.items():
                # (the string test is written out: a call per string was most of the pass)
                if type(key) is not str or len(key) > MAX_STRING_CHARS:
                    return False
                if not key.isascii() and not _encodable(key):
                    return False
                items.append(item)
        else:
            items = container
        count += len(items)
        if count > MAX_VALUES:
            return False
        for item in items:
            kind = type(item)
            if kind is str:
                if len(item) > MAX_STRING_CHARS or (not item.isascii() and not _encodable(item)):
                    return False
            elif kind is int:
                if not -_INT_BOUND < item < _INT_BOUND:
                    return False
            elif kind is dict or kind is list:
                pending.append((item, depth + 1))
            elif kind in _SCALARS:
                continue  # (an abstract Mapping test per scalar cost more than the pass)
            elif isinstance(item, Mapping | list | tuple):
                pending.append((item, depth + 1))
    return True


_SCALARS = frozenset({float, bool, type(None)})


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Budget:
    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values = 0

    def walk(self, value: Any, depth: int) -> None:
        """Recursive, but never deeper than MAX_DEPTH: the depth is checked first."""
        self.values += 1
        if self.values > MAX_VALUES:
            raise _Limit(f"the case has more than {MAX_VALUES:,} values")
        kind = type(value)
        if kind is str:
            _check_string(value)
        elif kind is int:
            if not -_INT_BOUND < value < _INT_BOUND:
                raise _Limit(f"an integer of more than {MAX_INT_DIGITS} digits")
        elif isinstance(value, Mapping):
            if depth >= MAX_DEPTH:
                raise _Limit(f"nested deeper than {MAX_DEPTH} levels")
            if len(value) > MAX_KEYS:
                raise _Limit(f"has {len(value):,} keys; at most {MAX_KEYS:,}")
            for key, item in value.items():
                if type(key) is not str:
                    raise _Limit(f"key {key!r} is not a string")
                try:
                    _check_string(key)
                    self.walk(item, depth + 1)
                except _Limit as exc:
                    exc.path.append(key)
                    raise
        elif isinstance(value, list | tuple):
            if depth >= MAX_DEPTH:
                raise _Limit(f"nested deeper than {MAX_DEPTH} levels")
            for index, item in enumerate(value):
                try:
                    self.walk(item, depth + 1)
                except _Limit as exc:
                    exc.path.append(str(index))
                    raise


def _check_string(text: str) -> None:
    if len(text) > MAX_STRING_CHARS:
        raise _Limit(f"a string of {len(text):,} characters; at most {MAX_STRING_CHARS:,}")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _Limit(
                f"not valid Unicode text (a lone surrogate at character {exc.start})"
            ) from None
