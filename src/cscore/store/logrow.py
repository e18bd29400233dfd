"""A decision as the log's columns, serialised once.

The decision's JSON (``decisions.decision_json``: everything but the explanation) is
put together from the trace's JSON text (:meth:`Decision.log_trace`, written by
:func:`cscore.trace.trace_json`), not by building the trace's pydantic objects and then
serialising them, which cost more than the commit. The ``kinds``, ``outcomes`` and
``warnings`` columns are the same pieces of text, not cut from the JSON again by SQLite.

A decision the kernel gave no such recipe for (a masked or invalid one, one built by a
host), or one whose values the encoder refuses, is serialised through its model as
before; both give the same text (``tests/test_log_json.py``).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring

from cscore.models.decision import Decision
from cscore.trace import encode as _encode

# decision JSON, kinds, outcomes, warnings
LogColumns = tuple[str, str, str, str]


def log_columns(decision: Decision) -> LogColumns:
    """The decision's log JSON and the columns cut from it, serialised once."""
    try:
        trace = decision.log_trace()
        if trace is not None:
            return _direct(decision, trace)
    except (TypeError, ValueError):
        pass  # a value the encoder refuses: the model's serialiser says why, or copes
    return _by_pydantic(decision)


def _text(value: str) -> str:
    """A text as JSON (the stdlib's C escaping: the same characters as pydantic's)."""
    if type(value) is not str:
        raise TypeError(f"not a text: {value!r}")
    return encode_basestring(value)


def _texts(values: list[str]) -> str:
    return "[" + ",".join(map(_text, values)) + "]"


def _direct(decision: Decision, trace: str) -> LogColumns:
    outcomes = _encode(decision.outcomes)
    warnings = _texts(decision.warnings)
    # The keys in the order pydantic writes them (the trace, set last, last).
    text = (
        f'{{"case_id":{_text(decision.case_id)},"industry":{_text(decision.industry)},'
        f'"outcomes":{outcomes},"warnings":{warnings},'
        f'"rules_version":{_text(decision.rules_version)},"trace":{trace}}}'
    )
    return text, _texts(list(decision.outcomes)), outcomes, warnings


def _by_pydantic(decision: Decision) -> LogColumns:
    return _from_text(decision.to_log_json())


def _from_text(text: str) -> LogColumns:
    whole = json.loads(text)  # the columns as pydantic wrote them (a NaN is null there)
    return (
        text,
        _encode(list(whole["outcomes"])),
        _encode(whole["outcomes"]),
        _encode(whole["warnings"]),
    )
