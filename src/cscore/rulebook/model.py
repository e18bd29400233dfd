"""What a rule file says, as read from disk and before it is checked or compiled.

Formats (YAML rule files, CSV decision tables) produce these objects; the assembler
(:mod:`cscore.rulebook.assemble`) checks them against the facts of an industry and
compiles them for the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cscore.language.types import Type

HIT_POLICIES = ("priority", "first", "unique", "collect", "sum", "max", "min")
HitPolicy = Literal["priority", "first", "unique", "collect", "sum", "max", "min"]
RuleRole = Literal["rule", "requires", "check"]


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __reduce__(self) -> str:
        return "NO_DEFAULT"  # unpickled (rule cache) as the one sentinel, so `is` holds


NO_DEFAULT: Any = _NoDefault()


@dataclass(frozen=True, slots=True)
class Where:
    """A place in a file, shown to people as ``path:line``."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class KeySpec:
    """An output (reported in the decision) or an intermediate value, and its hit policy."""

    key: str
    hit: HitPolicy
    where: Where
    report: bool  # True: part of the outcome; False: an intermediate value
    default: Any = NO_DEFAULT
    type: Type | None = None
    # "file": equal-priority rules are settled by file order, on purpose (else an error)
    order: str | None = None


@dataclass(frozen=True, slots=True)
class ConstantSpec:
    name: str
    value: Any
    where: Where


@dataclass(frozen=True, slots=True)
class SetSpec:
    key: str
    value: Any  # the raw file value: an expression text, number, bool, list, date...
    where: Where


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: str
    name: str
    where: Where
    when: str | None = None
    when_where: Where | None = None
    sets: tuple[SetSpec, ...] = ()
    priority: int = 0
    message: str | None = None
    replaces: tuple[str, ...] = ()
    role: RuleRole = "rule"
    facts: tuple[str, ...] = ()  # requires: facts that must be present
    invalid: tuple[str, ...] = ()  # checks: facts reported as invalid


@dataclass(frozen=True)
class RuleFile:
    """One rule file or decision table, as its format read it."""

    path: str  # as shown to people: "rules/ecommerce/return.yaml"
    file: Path
    sha256: str
    title: str = ""
    kinds: tuple[str, ...] | None = None  # None: from the file name
    kinds_where: Where | None = None
    constants: dict[str, ConstantSpec] = field(default_factory=dict)
    keys: dict[str, KeySpec] = field(default_factory=dict)
    rules: tuple[RuleSpec, ...] = ()
