"""Spread a ruleset definition over several engine rulesets when one cannot hold it.

A compiled rule matches one fact, picked by its tag ``t`` (a layer chunk, see
:data:`cscore.engine.RESERVED_FIELDS`): the rules of one tag are kept together in one
part, so each fact needs asserting only into the parts that test its tag. A rule whose
tag cannot be read from its condition makes its part take every fact. Pure Python: the
engine adapter creates the parts and drives them (engine.durable).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Part:
    rules: dict[str, Any] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)
    every_fact: bool = False  # holds a rule of unknown tag: gets every fact


def rule_tag(rule: Any) -> str | None:
    """The tag a rule's one fact must carry (``{"t": "L0.3"}``, alone or first in an
    ``$and``), or None when the rule is of another shape."""
    try:
        (match,) = rule["all"]
        test = match["m"]
        if "$and" in test and len(test) == 1:
            test = test["$and"][0]
        tag = test["t"] if len(test) == 1 else None
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return tag if isinstance(tag, str) else None


def split(definition: Mapping[str, Any], capacity: int) -> list[Part]:
    """The rules in parts of at most ``capacity`` rules, whole tags kept together where
    a tag fits (rules of one tag that do not fit in one part fill several)."""
    if capacity < 1:
        raise ValueError("a part holds at least one rule")
    groups: dict[str | None, list[str]] = {}
    for name, rule in definition.items():
        groups.setdefault(rule_tag(rule), []).append(name)
    parts: list[Part] = [Part()]
    for tag, names in groups.items():
        if len(parts[-1].rules) + len(names) > capacity and parts[-1].rules:
            parts.append(Part())
        for name in names:
            if len(parts[-1].rules) == capacity:
                parts.append(Part())
            part = parts[-1]
            part.rules[name] = definition[name]
            if tag is None:
                part.every_fact = True
            else:
                part.tags.add(tag)
    return parts


def routes(parts: list[Part]) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """For each tag, the parts a fact of that tag goes to; and the parts a fact of any
    other tag (or none) goes to: those taking every fact (all parts if no part knows
    the tag, so a fact is never silently dropped)."""
    every = tuple(i for i, part in enumerate(parts) if part.every_fact)
    by_tag: dict[str, tuple[int, ...]] = {}
    for tag in {tag for part in parts for tag in part.tags}:
        by_tag[tag] = tuple(
            i for i, part in enumerate(parts) if tag in part.tags or part.every_fact
        )
    return by_tag, every or tuple(range(len(parts)))
