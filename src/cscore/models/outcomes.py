"""What the kernel itself puts in every kind's outcome: needs_info and invalid_input.

The rest of the vocabulary of CATALOG.md §7 belongs to whoever defines it: an industry
plugin declares its outcome fields and values in ``IndustrySpec.outcomes``, and a rule
pack (the common pack) declares the types of the outputs its files set with ``type:``.
Enumerations from several places add up, so an industry can add its own department
to the common list, while a rule that sets ``decision: retrun`` still fails to load.
"""

from __future__ import annotations

from cscore.language.types import STRING, Type, enum, list_of, unify

NEEDS_INFO = "needs_info"
INVALID_INPUT = "invalid_input"

DATA_OUTCOMES: dict[str, Type] = {
    "decision": enum([NEEDS_INFO, INVALID_INPUT]),
    "missing_fields": list_of(STRING),
    "invalid_fields": list_of(STRING),
}


def merge_declared(a: Type | None, b: Type | None) -> Type | None:
    """Two declarations of one outcome field as one type; ``None`` if they conflict.

    Enumerations are united (each declaration adds values); an unrestricted text
    declaration makes the field free text; other types must be equal (number and
    whole number mix)."""
    if a is None:
        return b
    if b is None:
        return a
    if a.name == b.name == "string":
        if a.values is None or b.values is None:
            return STRING
        return enum(a.values | b.values)
    if a.name == "null" or b.name == "null":
        return None
    return unify(a, b)
