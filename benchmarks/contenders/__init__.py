"""Contenders: other ways to decide the same e-commerce return cases as cscore.

Each one answers ``decide(case)`` with the outcome cscore gives for kind ``return``
(``Kernel().evaluate(case).outcomes["return"]``): a JSON-ready dict, dates as
``YYYY-MM-DD``, money rounded half up to 2 decimals, absent values left out.
``check.py`` holds them to that, case by case.
"""

from __future__ import annotations

from typing import Any, Protocol


class Contender(Protocol):
    name: str

    def decide(self, case: dict[str, Any]) -> dict[str, Any]:
        """The ``return`` outcome of one case envelope (``{"facts": {...}, ...}``)."""
        ...
