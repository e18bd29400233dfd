"""Markers a facts model puts on a field with ``Annotated[...]`` (personal data, the
meaning of an absent fact), found wherever pydantic left them; and the model a field
nests, however its annotation wraps it."""

from __future__ import annotations

import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.fields import FieldInfo

Marker = TypeVar("Marker")


def field_marker(field: FieldInfo, kind: type[Marker]) -> Marker | None:
    """The first ``kind`` marker of a model field: in the metadata pydantic collected,
    or inside its annotation (``Annotated[X, marker] | None``), else None."""
    for item in field.metadata:
        if isinstance(item, kind):
            return item
    return _in_annotation(field.annotation, kind)


def _in_annotation(annotation: Any, kind: type[Marker]) -> Marker | None:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        value, *extras = typing.get_args(annotation)
        for item in extras:
            if isinstance(item, kind):
                return item
        return _in_annotation(value, kind)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _in_annotation(arg, kind)
            if found is not None:
                return found
    return None


def nested_model(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """The model a field holds — alone or optional (``False``), or as the items of a
    list (``True``) — through ``Annotated`` and unions; None for any other value."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return nested_model(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = nested_model(arg)
            if found is not None:
                return found
        return None
    if origin in (list, tuple):
        items = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        inner = nested_model(items[0]) if items else None
        return (inner[0], True) if inner is not None and not inner[1] else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None
