"""A decision as the log's columns, serialised once.

The decision's JSON (``decisions.decision_json``: everything but the explanation) is
put together from the trace's pieces of JSON text (:meth:`Decision.log_trace`, made by
:func:`cscore.trace.trace_pieces`), not by building the trace's pydantic objects and
then serialising them, which cost more than the commit. The ``kinds``, ``outcomes`` and
``warnings`` columns are the same pieces of text, not cut from the JSON again by SQLite.
The texts are written by :mod:`cscore.store.logtext`, here or — for a decision
journaled as its parts (:func:`journal_payload`) — in the journal's loader.

A decision the kernel gave no such recipe for (a masked or invalid one, one built by a
host), or one whose values the encoder refuses, is serialised through its model as
before; both give the same text (``tests/test_log_json.py``).
"""

from __future__ import annotations

import json

from cscore.models.decision import Decision
from cscore.store import logtext
from cscore.store.logtext import LogColumns, encode


def log_columns(decision: Decision) -> LogColumns:
    """The decision's log JSON and the columns cut from it, serialised once."""
    try:
        pieces = decision.log_trace()
        if pieces is not None:
            return logtext.columns(
                decision.case_id,
                decision.industry,
                decision.outcomes,
                decision.warnings,
                decision.rules_version,
                pieces,
            )
    except (TypeError, ValueError):
        pass  # a value the encoder refuses: the model's serialiser says why, or copes
    return _by_pydantic(decision)


def journal_payload(
    decision: Decision, case: dict[str, object], head: logtext.Head, tail: logtext.Tail
) -> bytes | None:
    """The decision as its parts for the journal (:func:`logtext.decision_record`: the
    loader writes its texts), or ``None``: journal its :func:`log_columns` instead (no
    recipe, or a value the encoder or marshal refuses)."""
    try:
        pieces = decision.log_trace()
        if pieces is None:
            return None
        return logtext.decision_record(
            head, tail, case, decision.outcomes, decision.warnings, pieces
        )
    except (TypeError, ValueError):
        return None


def _by_pydantic(decision: Decision) -> LogColumns:
    return _from_text(decision.to_log_json())


def _from_text(text: str) -> LogColumns:
    whole = json.loads(text)  # the columns as pydantic wrote them (a NaN is null there)
    return (
        text,
        encode(list(whole["outcomes"])),
        encode(whole["outcomes"]),
        encode(whole["warnings"]),
    )
