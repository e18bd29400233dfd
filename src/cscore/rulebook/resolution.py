"""Hit policies: how one key is settled when several rules set it (DESIGN.md §3).

* ``priority`` — the highest ``priority`` wins; a tie goes to the rule defined first
  (industry files before the common pack, then file order).
* ``first``   — the rule defined first wins, whatever the priorities.
* ``unique``  — every rule must agree; two different values are an error.
* ``collect`` — every value, in definition order, without repeats (lists are merged).
* ``sum`` / ``max`` / ``min`` — arithmetic over the values (escalation level = max).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cscore.errors import RuleEvaluationError
from cscore.rulebook.compiled import CompiledRule


@dataclass(frozen=True, slots=True)
class Unavailable:
    """The value a rule would set needs a fact the case lacks. It matters only if this
    rule's value is the one that counts: a rule that loses asks for nothing."""

    fact: str


class Candidate(NamedTuple):
    """A value one rule set for a key (one per firing and key: a tuple is the cheapest
    record Python builds)."""

    rule: CompiledRule
    value: Any


@dataclass(frozen=True, slots=True)
class Settled:
    value: Any
    winners: tuple[CompiledRule, ...]  # the rules whose value counts


def settle(key: str, hit: str, candidates: Sequence[Candidate]) -> Settled:
    """The value of ``key`` under ``hit`` from the rules that set it (at least one)."""
    if len(candidates) == 1 and hit != "collect":  # the common case: one rule decided
        only = candidates[0]
        if not (isinstance(only.value, Unavailable) and hit in ("sum", "max", "min")):
            return Settled(only.value, (only.rule,))
    ordered = sorted(candidates, key=lambda c: c.rule.order)
    if hit == "first":
        return Settled(ordered[0].value, (ordered[0].rule,))
    if hit == "priority":
        best = max(c.rule.priority for c in ordered)
        winner = next(c for c in ordered if c.rule.priority == best)
        return Settled(winner.value, (winner.rule,))
    if hit == "unique":
        first = ordered[0]
        for other in ordered[1:]:
            if other.value != first.value:
                raise RuleEvaluationError(
                    f"'{key}' must have one value, but {first.rule.id} ({first.rule.where}) "
                    f"sets {first.value!r} and {other.rule.id} ({other.rule.where}) sets "
                    f"{other.value!r}; give them priorities and hit policy 'priority'"
                )
        return Settled(first.value, tuple(c.rule for c in ordered))
    if hit == "collect":
        items: list[Any] = []
        for candidate in ordered:
            values = candidate.value if isinstance(candidate.value, list) else [candidate.value]
            items.extend(v for v in values if v not in items and v is not None)
        return Settled(items, tuple(c.rule for c in ordered))
    unavailable = [c for c in ordered if isinstance(c.value, Unavailable)]
    if unavailable:  # arithmetic over all values needs every one of them
        return Settled(unavailable[0].value, tuple(c.rule for c in ordered))
    values = [c.value for c in ordered if c.value is not None]
    if hit == "sum":
        return Settled(sum(values), tuple(c.rule for c in ordered))
    if hit in ("max", "min"):
        chosen = max(values) if hit == "max" else min(values)
        winners = tuple(c.rule for c in ordered if c.value == chosen)
        return Settled(chosen, winners)
    raise ValueError(f"unknown hit policy {hit!r}")
