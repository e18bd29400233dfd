"""Explanations of decisions for the people who read them out (issue 11): the deciding
rule of each outcome field, the customer messages, why not, and what would change it.

Built lazily: the kernel hands :class:`~cscore.models.decision.Decision` a recipe, so a
host that never reads ``decision.explanation`` (or dumps the decision) does not pay.
"""

from __future__ import annotations

from cscore.explain.build import LIMITED, KindResult, Rerun, explain_decision

__all__ = ["LIMITED", "KindResult", "Rerun", "explain_decision"]
