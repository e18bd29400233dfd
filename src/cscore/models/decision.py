"""The decision cscore answers (DESIGN.md §2.2)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TraceEntry(BaseModel):
    """One rule that fired: what it set and the values it matched."""

    model_config = ConfigDict(frozen=True, validate_by_name=True, serialize_by_alias=True)

    rule: str
    name: str
    kind: str
    ruleset: str
    source: str  # "rules/ecommerce/return.yaml:12"
    set_values: dict[str, Any] = Field(default_factory=dict, alias="set")
    matched: dict[str, Any] = Field(default_factory=dict)
    # keys another rule decided instead (a higher priority, an earlier "first" rule)
    overridden: list[str] = Field(default_factory=list, exclude_if=lambda keys: not keys)
    # constants of the common pack this rule used as an industry file redefined them
    overrides: dict[str, str] = Field(default_factory=dict, exclude_if=lambda found: not found)
    # customer-facing text of the rule, or why a fact was rejected
    message: str | None = Field(default=None, exclude_if=lambda text: text is None)

    @classmethod
    def build(
        cls,
        *,
        rule: str,
        name: str,
        kind: str,
        ruleset: str,
        source: str,
        set_values: dict[str, Any],
        matched: dict[str, Any],
        overridden: list[str],
        overrides: dict[str, str],
        message: str | None,
    ) -> TraceEntry:
        """An entry from values the kernel already made JSON-ready (not re-validated)."""
        return _fast_construct(
            cls,
            {
                "rule": rule,
                "name": name,
                "kind": kind,
                "ruleset": ruleset,
                "source": source,
                "set_values": set_values,
                "matched": matched,
                "overridden": overridden,
                "overrides": overrides,
                "message": message,
            },
        )


def _fast_construct(cls: type[BaseModel], values: dict[str, Any]) -> Any:
    """What ``model_construct`` does for a model without defaults to fill, extras or
    private attributes, at a fraction of its cost: the kernel builds ~10 of these per
    case from values it produced itself, so validating them again buys nothing."""
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


class Decision(BaseModel):
    """Outcomes per kind, the rule-by-rule trace, warnings and the rules' version."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    industry: str
    outcomes: dict[str, dict[str, Any]]
    trace: list[TraceEntry] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    rules_version: str

    @classmethod
    def build(
        cls,
        *,
        case_id: str,
        industry: str,
        outcomes: dict[str, dict[str, Any]],
        trace: list[TraceEntry],
        warnings: list[str],
        rules_version: str,
    ) -> Decision:
        """A decision from values the kernel already made JSON-ready (not re-validated)."""
        return _fast_construct(
            cls,
            {
                "case_id": case_id,
                "industry": industry,
                "outcomes": outcomes,
                "trace": trace,
                "warnings": warnings,
                "rules_version": rules_version,
            },
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON shape of DESIGN.md §2.2."""
        return self.model_dump(mode="json")
