"""Personal data: a marker for facts models, and masking wherever the kernel shows or
stores facts.

A plugin marks a field as personal with an annotation (``PersonalText``,
``PersonalPhone``… from :mod:`cscore.plugin`, or ``Annotated[str, Personal("name")]``).
Personal fields are informational: no rule may read them (they are left out of the
names a rule file can use), and the kernel masks their values — ``13812345678`` →
``138****5678``, ``张伟`` → ``张*`` — in the decision it answers (trace, warnings,
invalid-input messages) and in the case the decision log stores.

Masking works by value: the clear text of every personal value the case carries is
replaced by its masked form in every string the decision holds. So a value that
reaches a message some other way (an invalid fact echoed back) is masked as well.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from cscore.models.markers import field_marker, nested_model

KINDS = ("name", "phone", "id_number", "address", "text")


@dataclass(frozen=True, slots=True)
class Personal:
    """Annotation marker: the field holds personal data of this ``kind`` (how it is
    masked): ``name``, ``phone``, ``id_number``, ``address`` (a unit or room number), ``text``."""

    kind: str = "text"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown personal-data kind {self.kind!r} (kinds: {KINDS})")


def personal_kind(field: FieldInfo) -> str | None:
    """The personal-data kind of a model field, or None for an ordinary fact."""
    marker = field_marker(field, Personal)
    return marker.kind if marker is not None else None


# -- masking ------------------------------------------------------------------------


def _keep(text: str, head: int, tail: int) -> str:
    if len(text) <= head + tail:
        return text[:1] + "*" * (len(text) - 1)
    return text[:head] + "*" * (len(text) - head - tail) + (text[-tail:] if tail else "")


def _phone(text: str) -> str:
    return _keep(text, 3, 4) if len(text) >= 8 else _keep(text, 1, 1)


def _id_number(text: str) -> str:
    return _keep(text, 3, 4) if len(text) >= 10 else _keep(text, 1, 1)


def _name(text: str) -> str:
    return text[:1] + "*" * (len(text) - 1)


def _address(text: str) -> str:
    return _keep(text, 1, 0)


_MASKS: dict[str, Callable[[str], str]] = {
    "name": _name,
    "phone": _phone,
    "id_number": _id_number,
    "address": _address,
    "text": _address,
}


def mask(value: Any, kind: str = "text") -> str:
    """The masked form of one personal value: ``138****5678``, ``张*``, ``1101**********1234``."""
    text = str(value)
    return _MASKS[kind](text) if text else text


@functools.cache
def personal_fields(model: type[BaseModel]) -> dict[str, Any]:
    """Personal fields of a model: ``{name: kind}`` for a marked field, ``{name: {...}}``
    for a nested fact group or list of groups that holds some. Cached per model."""
    found: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        kind = personal_kind(field)
        if kind is not None:
            found[name] = kind
            continue
        nested = _group(field.annotation)
        if nested is not None:
            inner = personal_fields(nested)
            if inner:
                found[name] = inner
    return found


def _group(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (alone, optional, or as list items), if any."""
    found = nested_model(annotation)
    return found[0] if found is not None else None


class Masker:
    """The personal values of one case, and how to hide them in what the kernel shows."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.fields = fields
        self.clear: dict[str, str] = {}  # clear text -> masked text

    def facts(self, facts: Any, fields: Mapping[str, Any] | None = None) -> Any:
        """A copy of the case's facts (as received) with personal values masked; records
        every clear value it meets so that :meth:`text` can hide it elsewhere."""
        fields = self.fields if fields is None else fields
        if isinstance(facts, list):
            return [self.facts(item, fields) for item in facts]
        if not isinstance(facts, Mapping):
            return facts
        masked: dict[str, Any] = {}
        for key, value in facts.items():
            spec = fields.get(key)
            if isinstance(spec, str) and value is not None and not isinstance(value, Mapping):
                masked[key] = self._hide(value, spec)
            elif isinstance(spec, Mapping):
                masked[key] = self.facts(value, spec)
            else:  # another fact (even an unknown one) may quote a personal value
                masked[key] = self.value(value)
        return masked

    def _hide(self, value: Any, kind: str) -> Any:
        if isinstance(value, list):
            return [self._hide(item, kind) for item in value]
        text = str(value)
        hidden = mask(text, kind)
        if hidden != text and len(text) >= 2:
            self.clear[text] = hidden
        return hidden

    def text(self, text: str) -> str:
        """``text`` with every personal value of the case replaced by its masked form
        (longest first, so a value inside another is not half-replaced)."""
        for clear in sorted(self.clear, key=len, reverse=True):
            if clear in text:
                text = text.replace(clear, self.clear[clear])
        return text

    def value(self, value: Any) -> Any:
        """A JSON-ready value with every personal value inside it masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.clear.get(str(value), value)  # a phone sent as a number
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value


def masker_for(model: type[BaseModel], facts: Mapping[str, Any]) -> Masker | None:
    """A masker for a case whose facts hold personal values, else None (nothing to do)."""
    fields = personal_fields(model)
    if not fields:
        return None
    masker = Masker(fields)
    masker.facts(facts)  # collects the clear values; facts() then masks them anywhere
    return masker if masker.clear else None
