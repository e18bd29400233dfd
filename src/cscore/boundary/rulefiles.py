"""Rule files at the boundary: the checks made on their text before it is loaded, so
that a hostile or broken file gives one ``file:line`` :class:`RuleFileError`.

A YAML file is scanned as a stream of parser events (no objects are built yet): the
scan bounds nesting and the number of nodes *after aliases are expanded* (so an alias
bomb stops at a few hundred thousand nodes, not at gigabytes), refuses application
tags such as ``!include`` (a rule file is data, never instructions to the loader), and
refuses number literals that are too long or not finite.
"""

from __future__ import annotations

import math
import re

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)

from cscore.boundary import (
    MAX_NUMBER_CHARS,
    MAX_RULE_FILE_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
)
from cscore.errors import RuleFileError

# YAML's own value types; any other tag (!include, !!python/object:…) is refused.
_PLAIN_TAGS = {"!"} | {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}
# What YAML 1.2 reads as a number: the scan checks these plain scalars only.
_NUMBER = re.compile(r"[-+]?(\.\d|\d)[\d_]*(\.[\d_]*)?([eE][-+]?\d+)?|0[xob][0-9a-fA-F_]+")
_NOT_FINITE = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")


def check_size(raw: bytes, display: str) -> None:
    if len(raw) > MAX_RULE_FILE_BYTES:
        raise RuleFileError(
            display, None, f"is {len(raw):,} bytes; a rule file may have {MAX_RULE_FILE_BYTES:,}"
        )


def number_problem(text: str) -> str | None:
    """Why a number literal cannot be a rule value, or None if it can (or is no number)."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        return None  # not a decimal number (a name, a hexadecimal literal)
    if len(text.strip()) > MAX_NUMBER_CHARS:
        return f"a number of {len(text.strip()):,} characters; at most {MAX_NUMBER_CHARS}"
    if not math.isfinite(value):
        return f"{text} is not a finite number"
    return None


def scan_yaml(text: str, display: str) -> None:
    """Refuse what the loader would crash on, grow memory with, or obey (see above)."""
    depth = 0
    nodes = 0
    # Expanded size of each anchored node, and of the collections still open.
    sizes: dict[str, int] = {}
    open_nodes: list[tuple[str | None, int]] = []
    try:
        for event in YAML(typ="rt").parse(text):
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            if isinstance(event, AliasEvent):
                nodes += sizes.get(str(event.anchor), 1)
            elif isinstance(event, NodeEvent):
                nodes += 1
                _check_tag(event, display, line)
            if nodes > MAX_YAML_NODES:
                raise RuleFileError(
                    display, line, f"more than {MAX_YAML_NODES:,} values (aliases expanded)"
                )
            if isinstance(event, ScalarEvent):
                if event.anchor is not None:
                    sizes[str(event.anchor)] = 1
                if event.style is None:  # plain: YAML may read it as a number
                    _check_scalar(event.value, display, line)
            elif isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise RuleFileError(
                        display, line, f"nested deeper than {MAX_YAML_DEPTH} levels"
                    )
                open_nodes.append((event.anchor, nodes))
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
                anchor, started = open_nodes.pop()
                if anchor is not None:
                    sizes[str(anchor)] = nodes - started + 1
    except YAMLError:
        return  # a syntax error: the loader reports it with its line


def _check_tag(event: NodeEvent, display: str, line: int | None) -> None:
    tag = getattr(event, "tag", None)
    if tag is None:
        return
    name = str(getattr(tag, "value", tag))
    if name in _PLAIN_TAGS:
        return
    raise RuleFileError(
        display, line, f"YAML tag {name} is not allowed: a rule file holds plain values only"
    )


def _check_scalar(value: str, display: str, line: int | None) -> None:
    if _NOT_FINITE.fullmatch(value):
        raise RuleFileError(display, line, f"{value} is not a finite number")
    if _NUMBER.fullmatch(value):
        problem = number_problem(value)
        if problem:
            raise RuleFileError(display, line, problem)
