"""The case envelope a host application sends (DESIGN.md §2.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from cscore.boundary import envelope
from cscore.errors import CaseError
from cscore.models.construct import construct

# Keys a case file may carry beside the envelope (cases_public.json adds the expected
# answer); they are accepted and ignored, so a test case can be evaluated as it is.
ANNOTATION_KEYS = frozenset({"expected", "rules", "note", "name", "description"})
ENVELOPE_KEYS = frozenset({"id", "industry", "kind", "kinds", "facts"})


class Case(BaseModel):
    """A parsed envelope. ``facts`` are still raw: the industry's model validates them."""

    model_config = ConfigDict(frozen=True)

    id: str | None = None
    industry: str
    kinds: tuple[str, ...] | None = None  # None: every kind the industry has
    facts: dict[str, Any]
    ignored_keys: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: Any) -> Case:
        """Parse a dict, a JSON text or bytes; raise :class:`CaseError` naming the field."""
        if isinstance(raw, Case):
            return raw
        if isinstance(raw, str | bytes | bytearray):
            raw = envelope.parse_text(raw)
        if not isinstance(raw, Mapping):
            raise CaseError("case", f"must be a JSON object, got {_json_kind(raw)}")
        envelope.check_values(raw)
        return cls._from_mapping(raw)

    @classmethod
    def _from_mapping(cls, raw: Mapping[str, Any]) -> Case:
        case_id = raw.get("id")
        if case_id is not None and not isinstance(case_id, str | int):
            raise CaseError("id", f"must be a string, got {_json_kind(case_id)}")
        industry = raw.get("industry")
        if industry is None:
            raise CaseError("industry", "is missing: say which line of business owns the case")
        if not isinstance(industry, str) or not industry:
            raise CaseError("industry", f"must be a non-empty string, got {_json_kind(industry)}")
        kinds = _kinds(raw)
        facts = raw.get("facts", {})
        if facts is None:
            facts = {}
        if not isinstance(facts, Mapping):
            raise CaseError("facts", f"must be a JSON object, got {_json_kind(facts)}")
        extra = raw.keys() - ENVELOPE_KEYS  # (one C set operation: usually empty)
        ignored = tuple(sorted(extra)) if extra else ()
        # Every field was checked above; constructing without re-validation keeps the
        # envelope cheap on the hot path of every evaluation.
        return construct(
            cls,
            {
                "id": None if case_id is None else str(case_id),
                "industry": industry,
                "kinds": kinds,
                "facts": dict(facts),
                "ignored_keys": ignored,
            },
        )


def _kinds(raw: Mapping[str, Any]) -> tuple[str, ...] | None:
    if "kind" in raw and "kinds" in raw:
        raise CaseError("kind", "give either 'kind' or 'kinds', not both")
    if raw.get("kind") is not None:
        kind = raw["kind"]
        if not isinstance(kind, str) or not kind:
            raise CaseError("kind", f"must be a non-empty string, got {_json_kind(kind)}")
        return (kind,)
    if raw.get("kinds") is not None:
        kinds = raw["kinds"]
        if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
            raise CaseError("kinds", "must be a non-empty list of kind names")
        return tuple(dict.fromkeys(kinds))
    return None


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
