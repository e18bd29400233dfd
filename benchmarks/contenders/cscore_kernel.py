"""cscore contenders: the kernel end to end (with and without the decision log), and
the engine alone (the same compiled rule set posted through the adapter, on facts
that were validated and enriched beforehand)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from cscore.calendar import CHINA_TZ, WorkCalendar
from cscore.jsonvalues import to_json_dict
from cscore.kernel import Kernel
from cscore.language.functions import EvalContext
from cscore.rulebook.run import Evaluation

BATCH = 256  # cases per evaluate_many call (as many as zen's async run has in flight)


class CscoreEvaluate:
    """``kernel.evaluate(case)``: validation, enrichment, engine, resolution, decision.

    ``log``: with the decision log (each call returns once its decision is journaled —
    durable against a process crash, as a WAL commit is — and a loader process loads it
    into SQLite behind the caller: cscore.store.journal, cscore.store.loader);
    ``queued``: the log without a journal, queued (``log_journal=False,
    log_wait=False``: a call returns once its decision is queued for the writer thread;
    with a journal, ``log_wait=False`` journals as the default does)."""

    def __init__(
        self, log: bool = False, queued: bool = False, rules_dir: str | Path | None = None
    ) -> None:
        self.name = (
            "cscore.evaluate"
            + (" + log" if log else "")
            + (" (queued, no journal)" if queued else "")
        )
        self._tmp = tempfile.TemporaryDirectory() if log else None
        db = Path(self._tmp.name) / "bench.db" if self._tmp else None
        self.kernel = Kernel(
            rules_dir=rules_dir, db=db, log_wait=not queued, log_journal=not queued
        )

    def decide(self, case: dict[str, Any]) -> dict[str, Any]:
        outcomes = self.kernel.evaluate(case).outcomes
        return outcomes[case["kind"]] if "kind" in case else outcomes  # mixed: every kind


class CscoreMany(CscoreEvaluate):
    """``kernel.evaluate_many(cases)``, 256 cases a call; timed per whole round.

    ``workers``: the kernel's process pool (``Kernel(workers=N)``, cscore.pool); ``-1``:
    one worker per core."""

    batch = True

    def __init__(
        self, log: bool = False, rules_dir: str | Path | None = None, workers: int = 0
    ) -> None:
        if workers < 0:
            workers = os.cpu_count() or 1
        self._tmp = tempfile.TemporaryDirectory() if log else None
        db = Path(self._tmp.name) / "bench.db" if self._tmp else None
        self.kernel = Kernel(rules_dir=rules_dir, db=db, workers=workers)
        self.name = (
            "cscore.evaluate_many"
            + (f" ({workers} workers)" if workers > 1 else "")
            + (" + log" if log else "")
        )

    def decide_many(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for start in range(0, len(cases), BATCH):
            chunk = cases[start : start + BATCH]
            for case, decision in zip(chunk, self.kernel.evaluate_many(chunk), strict=True):
                assert not isinstance(decision, Exception), decision
                out.append(decision.outcomes[case["kind"]] if "kind" in case else decision.outcomes)
        return out

    def close(self) -> None:
        self.kernel.close()
        if self._tmp is not None:
            self._tmp.cleanup()


class EngineAlone:
    """The compiled rule set through the adapter: layer facts in, rule callbacks and
    hit-policy settling as the rules fire, the outcome out. No envelope, no facts
    validation, no enrichment, no trace or decision objects (those are prepared or
    skipped), so the difference to CscoreEvaluate is what the kernel adds."""

    name = "engine alone (adapter)"

    def __init__(self, rules_dir: str | Path | None = None) -> None:
        self.kernel = Kernel(rules_dir=rules_dir)
        self._prepared: dict[str, tuple[dict[str, Any], WorkCalendar]] = {}

    def prepare(self, cases: list[dict[str, Any]]) -> None:
        """Validate and enrich outside the timed loop."""
        industry = self.kernel.industries["ecommerce"]
        now = dt.datetime.now(CHINA_TZ).replace(microsecond=0)
        for case in cases:
            validated = industry.facts_model.model_validate(case["facts"])
            facts = validated.model_dump(exclude_none=True)
            facts.setdefault("as_of", now)
            calendar = WorkCalendar(validated.holiday_calendar)
            facts.update(self.kernel._enrich("ecommerce", facts, calendar))
            self._prepared[case["id"]] = (facts, calendar)

    def decide(self, case: dict[str, Any]) -> dict[str, Any]:
        facts, calendar = self._prepared[case["id"]]
        live = self.kernel.library.get("ecommerce", case["kind"])
        evaluation = Evaluation(live.compiled, facts, EvalContext(calendar=calendar))
        if live.compiled.rules:
            evaluation.run_in(live.engine, live.settles_when_idle)
        return to_json_dict(evaluation.result().outcome, live.compiled.money)

    def close(self) -> None:
        self.kernel.close()
