"""Pickling the rule caches' objects so that reading them back is quick.

Rule files and rule sets are trees of frozen slots dataclasses (syntax trees, places,
types). Pickle rebuilds such an object through dataclasses' ``__setstate__``, which
looks the class's fields up again for every object: three quarters of reading a
1,000-rule set from the cache. Rebuilt instead as ``cls(*values)``, one call from C,
wherever that gives the same object.
"""

from __future__ import annotations

import dataclasses
import operator
import pickle
from collections.abc import Callable
from typing import IO, Any

_POSITIONAL: dict[type, tuple[str, ...] | None] = {}


def positional_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of a slots dataclass that ``cls(*values)`` rebuilds exactly (its
    generated ``__init__`` taking every field, no ``__post_init__``), else None."""
    if cls in _POSITIONAL:
        return _POSITIONAL[cls]
    names: tuple[str, ...] | None = None
    if "__dataclass_fields__" in cls.__dict__ and "__slots__" in cls.__dict__:
        fields = dataclasses.fields(cls)
        init = getattr(cls.__dict__.get("__init__"), "__code__", None)
        generated = init is not None and init.co_filename == "<string>"  # not a custom one
        if generated and not hasattr(cls, "__post_init__") and all(f.init for f in fields):
            names = tuple(f.name for f in fields)
    _POSITIONAL[cls] = names
    return names


class QuickPickler(pickle.Pickler):
    """A pickler whose slots dataclasses unpickle by their constructor."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        values = _VALUES.get(cls)
        if values is None:
            names = positional_fields(cls)
            if names is None:
                return NotImplemented
            values = _VALUES[cls] = _getter(names)
        return (cls, values(obj))


_VALUES: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The field values as a tuple, read in C (``attrgetter`` of one name is no tuple)."""
    if len(names) == 1:
        one = operator.attrgetter(names[0])
        return lambda obj: (one(obj),)
    if not names:
        return lambda obj: ()
    return operator.attrgetter(*names)
