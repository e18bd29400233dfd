"""The exceptions cscore raises.

Every message is one line a person can act on: it names the field, or the file and
line, and where it can, what to do instead. Library code never prints or exits; the
CLI turns a :class:`CscoreError` into ``error: <message>`` and exit status 1.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

# C0/C1 controls and the Unicode line/paragraph separators: any of them in a message
# would let a host's input start a new line in a log (log injection).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """``text`` on one line: control characters as ``\\n``, ``\\x1b``, ``\\u2028``."""
    if _CONTROLS.search(text) is None:
        return text
    return _CONTROLS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else an empty string."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


class CscoreError(Exception):
    """Base class of every error cscore raises on purpose; its message is one line."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(escape_controls(a) if isinstance(a, str) else a for a in args))


class CaseError(CscoreError):
    """The case envelope is malformed: not JSON, not an object, unknown industry or kind.

    Fact-level problems are *not* CaseErrors: they become an ``invalid_input`` or
    ``needs_info`` outcome inside a normal decision (DESIGN.md §2.4).
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class RuleFileError(CscoreError):
    """A rule file, decision table or cases file cannot be loaded or compiled."""

    def __init__(self, path: str, line: int | None, message: str, rule: str | None = None) -> None:
        self.path = path
        self.line = line
        self.rule = rule
        self.problem = message
        where = f"{path}:{line}" if line else path
        subject = f" rule {rule}:" if rule else ""
        super().__init__(f"{where}:{subject} {message}")


class RuleLoadError(CscoreError):
    """One or more rule files failed to load; ``errors`` holds each one."""

    def __init__(self, errors: list[RuleFileError]) -> None:
        self.errors = errors
        first = str(errors[0]) if errors else "rules failed to load"
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first + more)


class RuleEvaluationError(CscoreError):
    """A rule failed while a case was being evaluated (its computation raised,
    a ``unique`` output got two different values, the action budget ran out)."""

    def __init__(self, message: str, rule: str | None = None, source: str | None = None) -> None:
        self.rule = rule
        self.source = source
        where = f"{source}: " if source else ""
        who = f"rule {rule}: " if rule else ""
        super().__init__(f"{where}{who}{message}")


class EngineError(CscoreError):
    """durable_rules refused a ruleset or a fact; the C error code is named."""


class PluginError(CscoreError):
    """A plugin broke the hook contract (duplicate industry, clashing enrichment...)."""


class StoreError(CscoreError):
    """The decision log could not be opened or written. Raised by an evaluation only with
    ``on_log_failure="raise"``; then ``decision`` holds the decision that was not logged."""

    decision: Any = None
