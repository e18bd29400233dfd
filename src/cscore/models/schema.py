"""Language types of a pydantic facts model: what a rule file may name, and as what.

``condition.tags_intact`` is a nested fact; a list of fact groups (``claims``) is a
list of records whose fields the list operations name (``count(claims where …)``).
Fields marked personal (:mod:`cscore.privacy`) are left out: no rule may read them.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any

from pydantic import BaseModel

from cscore.language.types import (
    ANY,
    ANY_LIST,
    BOOL,
    DATE,
    DATETIME,
    DURATION,
    INTEGER,
    NUMBER,
    STRING,
    Type,
    enum,
    list_of,
    record,
)
from cscore.privacy import personal_kind


def fact_types(model: type[BaseModel], prefix: str = "") -> dict[str, Type]:
    """Map every field (nested models flattened with dots) to its language type."""
    found: dict[str, Type] = {}
    for name, field in model.model_fields.items():
        path = prefix + name
        if personal_kind(field) is not None:
            continue  # personal data is informational only: rules cannot name it
        tagged = _tagged(field.metadata) or _tagged_annotation(field.annotation)
        if tagged is not None:  # a language type named in Annotated[...]: Money
            found[path] = tagged
            continue
        annotation = strip_optional(field.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if _is_opaque(annotation):
                found[path] = ANY
            else:
                found.update(fact_types(annotation, path + "."))
            continue
        found[path] = language_type(annotation)
    return found


def language_type(annotation: Any) -> Type:
    annotation = strip_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return enum(str(v) for v in typing.get_args(annotation))
    if origin in (list, tuple, set, frozenset):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        element = strip_optional(args[0]) if args else None
        if isinstance(element, type) and issubclass(element, BaseModel):
            if not _is_opaque(element):
                return list_of(record(fact_types(element)))
        item = language_type(args[0]) if args else ANY
        return list_of(item) if item.name != "any" else ANY_LIST
    if annotation in (list, tuple):
        return ANY_LIST
    if annotation is bool:
        return BOOL
    if annotation is int:
        return INTEGER
    if annotation is float:
        return NUMBER
    if annotation is str:
        return STRING
    if annotation is dt.datetime:
        return DATETIME
    if annotation is dt.date:
        return DATE
    if annotation is dt.timedelta:
        return DURATION
    return ANY


def strip_optional(annotation: Any) -> Any:
    """Unwrap Optional[...] and Annotated[...] down to the value type (``Any`` for a
    union of several types)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return Any
            annotation = args[0]
        else:
            return annotation


def _tagged(metadata: Any) -> Type | None:
    return next((item for item in metadata if isinstance(item, Type)), None)


def _tagged_annotation(annotation: Any) -> Type | None:
    """The language type an ``Annotated[...]`` names, also inside ``X | None``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            found = _tagged(annotation.__metadata__)
            if found is not None:
                return found
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return None
            annotation = args[0]
        else:
            return None


def _is_opaque(model: type[BaseModel]) -> bool:
    """Only fact groups (FactsModel) are opened up; other models (a host calendar) are
    inputs to Python code, not to conditions."""
    from cscore.models.facts import FactsModel

    return not issubclass(model, FactsModel)
