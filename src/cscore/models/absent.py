"""What an absent fact means, where the catalog gives it a meaning.

By default an absent fact is unknown: when its possible values would lead to different
outcomes the kernel asks for it (``needs_info``, DESIGN §2.4, :mod:`cscore.rulebook.
consequence`). Some facts mean something when they are absent — a pending event that
has not happened yet (CATALOG §12.2), an exclusion nobody reported, an enumeration whose
dictionary lists ``null`` ("none") — and a facts model says so with this marker::

    dispatched_at: Annotated[Timestamp | None, Absent("not dispatched yet")] = None

Such a fact is never asked for by consequence; a rule file's ``requires`` may still
demand it explicitly. The meaning is shown in the facts' JSON schema (``absent``), so
hosts can read it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from cscore.models.markers import field_marker, nested_model


class _Nothing:
    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()


@dataclass(frozen=True, slots=True)
class Absent:
    """Annotation marker: when the host does not send this fact, it means ``meaning``.

    ``same_as``: the value an absent fact decides like (``False`` for "not reported"),
    which the rule cases' walk over every fact checks (tests/test_consequence.py);
    :data:`NOTHING` when no value stands for the absence (an event that has not
    happened yet)."""

    meaning: str
    same_as: Any = NOTHING

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        found = handler(schema)
        found["absent"] = self.meaning
        return found


PENDING = Absent("has not happened yet (CATALOG §12.2)")
NOT_REPORTED = Absent("not reported: does not apply", same_as=False)
NONE_LISTED = Absent("none (the fact dictionary lists null)")


def absent_meaning(field: FieldInfo) -> Absent | None:
    """The declared meaning of a field's absence, or None (absent = unknown)."""
    return field_marker(field, Absent)


@functools.cache
def host_facts(model: type[BaseModel], prefix: str = "") -> dict[str, Absent | None]:
    """Every fact a host sends (nested records flattened with dots) and the meaning of
    its absence (None: unknown, asked for where it matters). Lists are left out: their
    items are not facts one can ask for one by one."""
    found: dict[str, Absent | None] = {}
    for name, field in model.model_fields.items():
        path = prefix + name
        meaning = absent_meaning(field)
        nested = _record(field.annotation)
        if nested is not None:
            for inner, inner_meaning in host_facts(nested, path + ".").items():
                found[inner] = inner_meaning if inner_meaning is not None else meaning
            continue
        found[path] = meaning
    return found


def _record(annotation: Any) -> type[BaseModel] | None:
    """The record a field holds (alone or optional; a list's items are not facts)."""
    found = nested_model(annotation)
    return found[0] if found is not None and not found[1] else None
