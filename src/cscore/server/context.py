"""What one worker serves with: its kernel, settings, metrics and reload signal.

Routes are thin; the work they hand to a thread (deciding, replaying, checking) is
here, so it can be read and tested without HTTP.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from cscore.cli.explain import explain as explain_text
from cscore.errors import RuleFileError
from cscore.kernel import Kernel
from cscore.rulebook.library import ReloadReport
from cscore.server.errors import ApiError
from cscore.server.metrics import Metrics
from cscore.server.reloads import ReloadSignal
from cscore.server.settings import ServerSettings

# Replays and rule checks build a kernel of their own (≈0.5 s of CPU): a few at a time
# per worker, so a burst of them cannot starve the decisions.
HEAVY_AT_ONCE = 2


@dataclass
class ServerContext:
    settings: ServerSettings
    kernel: Kernel
    metrics: Metrics
    reloads: ReloadSignal
    heavy: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(HEAVY_AT_ONCE)
    )

    def decide(self, case: Any, explain: bool) -> bytes:
        """Evaluate and log one case; the answer's JSON."""
        self.reloads.catch_up()
        decision, decision_id = self.kernel.evaluate_logged(case)
        # The explanation is built only when asked for (?explain=true): it is lazy.
        whole = decision.to_json_dict() if explain else decision.to_log_dict()
        answer: dict[str, Any] = {"decision_id": decision_id, **whole}
        if explain:
            answer["explanation_text"] = explain_text(decision)  # as `--explain` prints
        self.metrics.decided(decision.industry, decision.outcomes)
        try:
            return json.dumps(answer, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except ValueError:  # a computation on the facts overflowed to infinity
            raise ApiError(
                422, "the facts lead to a value out of range (infinite)", ["body", "facts"]
            ) from None

    def close(self) -> None:
        self.kernel.close()
        self.reloads.close()


def problem(error: RuleFileError | Exception) -> dict[str, Any]:
    """A rule file problem as data: file, line, rule and the whole one-line message."""
    if isinstance(error, RuleFileError):
        return {"path": error.path, "line": error.line, "rule": error.rule, "msg": str(error)}
    return {"path": None, "line": None, "rule": None, "msg": str(error)}


def reload_answer(generation: int, report: ReloadReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "generation": generation,
        "reloaded": list(report.reloaded),
        "errors": [problem(error) for error in report.errors],
    }
