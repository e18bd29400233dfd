"""The shapes the HTTP API answers with, for its OpenAPI document (generated clients
read them). Objects allow keys beyond those listed: a decision may grow a field
(``explanation``) without breaking a client generated today."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cscore.industry import IndustrySpec


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class TraceOut(_Open):
    rule: str
    name: str
    kind: str
    ruleset: str
    source: str
    set: dict[str, Any] = Field(default_factory=dict)
    matched: dict[str, Any] = Field(default_factory=dict)


class DecisionOut(_Open):
    """The decision of DESIGN.md §2.2, and where it is logged."""

    decision_id: int | None = Field(
        description="Its id in the decision log (GET /v1/decisions/{id}); null: not logged"
    )
    case_id: str
    industry: str
    outcomes: dict[str, dict[str, Any]]
    trace: list[TraceOut] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    rules_version: str
    explanation: Any = Field(
        default=None,
        description="With ?explain=true: the deciding rules, messages, why not and what "
        "would change it (docs/decision.md)",
    )
    explanation_text: str | None = Field(
        default=None, description="With ?explain=true: the same, as `cscore evaluate --explain`"
    )


class LoggedDecision(_Open):
    id: int
    decided_at: str
    as_of: str | None
    duration_ms: float | None
    plugin_versions: dict[str, str]
    case: dict[str, Any] = Field(description="The case as received (personal data masked)")
    decision: dict[str, Any]


class DecisionSummary(_Open):
    id: int
    case_id: str
    industry: str
    kinds: list[str]
    decided_at: str
    as_of: str | None
    outcomes: dict[str, dict[str, Any]]
    rules_version: str


class DecisionPage(BaseModel):
    items: list[DecisionSummary]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next (older) page; null: this is the last"
    )


class DifferenceOut(_Open):
    kind: str
    field: str
    logged: Any = Field(default=None, description="Absent when only the replay has the field")
    replayed: Any = Field(default=None, description="Absent when only the log has the field")


class ReplayOut(BaseModel):
    decision_id: int
    as_of: str | None
    current: bool = Field(description="true: against the rules in force now")
    same: bool
    differences: list[DifferenceOut]
    notes: list[str] = Field(description="Versions that differ (plugins, calendar data)")


class IndustryOut(_Open):
    key: str
    name: str
    description: str
    kinds: list[str]
    facts_schema: dict[str, Any] = Field(description="JSON Schema of case.facts")
    outcome_schemas: dict[str, dict[str, Any]] = Field(
        description="Per kind: JSON Schema of its outcome"
    )


class RuleFileIn(BaseModel):
    """A rule file to check in place of (or beside) the served ones."""

    model_config = ConfigDict(extra="forbid")

    root: str = Field(description="The pack or industry folder: a pack's or an industry's key")
    name: str = Field(description="The file name in that folder: 'return.yaml'")
    text: str = Field(description="The file's content")


class RuleProblem(BaseModel):
    path: str | None
    line: int | None
    rule: str | None
    msg: str = Field(description="The whole message, file:line first")


class CheckOut(BaseModel):
    ok: bool
    rule_sets: int
    rules: int
    files: int
    errors: list[RuleProblem]
    warnings: list[str]


class ReloadOut(BaseModel):
    ok: bool
    generation: int = Field(description="Reload counter shared by every worker")
    reloaded: list[str]
    errors: list[RuleProblem] = Field(description="Files not reloaded: the previous serve")


class Health(BaseModel):
    status: str
    worker: int


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, bool]
    problems: list[str]


def case_schema(industries: dict[str, IndustrySpec]) -> dict[str, Any]:
    """The JSON Schema of the case envelope (DESIGN.md §2.1), for the installed industries."""
    kinds = sorted({kind for spec in industries.values() for kind in spec.kinds})
    return {
        "title": "Case",
        "type": "object",
        "required": ["industry"],
        "properties": {
            "id": {"type": ["string", "integer"], "description": "generated when absent"},
            "industry": {"type": "string", "enum": sorted(industries)},
            "kind": {"type": "string", "enum": kinds},
            "kinds": {"type": "array", "items": {"type": "string", "enum": kinds}, "minItems": 1},
            "facts": {
                "type": "object",
                "description": "The industry's facts: GET /v1/industries gives their schema",
            },
        },
    }
