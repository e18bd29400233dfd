"""Kernel(workers=N): evaluate_many shared with worker processes (cscore.pool) gives the
answers, the log and the observers deciding every case here would give; a worker that
dies costs its cases a one-line error, never a hang; reloads reach the workers; close()
leaves no process behind."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from cscore import pool
from cscore.calendar import CHINA_TZ
from cscore.cli import cli
from cscore.errors import CaseError, EngineError, PluginError
from cscore.hookspecs import hookimpl
from cscore.jsonvalues import as_received
from cscore.kernel import Kernel
from cscore.models.decision import Decision
from cscore.rulebook.cases import find_case_files, load_cases

from .conftest import RULES, return_case

DEATH_AMOUNT = 666.25  # a case with this goods amount kills the worker deciding it


class Probe:
    """Sees every decision (in the process that observes them) and kills a worker
    process — never the parent — that is asked to decide a case of DEATH_AMOUNT."""

    def __init__(self) -> None:
        self.parent = os.getpid()
        self.seen: list[tuple[int, str]] = []

    @hookimpl
    def enrich_case(self, industry: str, facts: Any, calendar: Any) -> None:
        if facts.get("goods_amount_paid") == DEATH_AMOUNT and os.getpid() != self.parent:
            os.kill(os.getpid(), signal.SIGKILL)

    @hookimpl
    def decision_made(self, case: Any, decision: Decision) -> None:
        self.seen.append((os.getpid(), decision.case_id))


def varied_cases() -> list[Any]:
    """Every industry's rule cases and the public cases, with bad input mixed in."""
    cases: list[Any] = []
    for file in find_case_files([RULES]):
        if file.parent.name == "common":
            continue
        for case in load_cases(file):
            envelope = case.envelope()
            envelope["facts"] = as_received(envelope["facts"])
            cases.append(envelope)
    public = json.loads((RULES.parent / "tests" / "data" / "cases_public.json").read_text())
    cases.extend({k: v for k, v in case.items() if k != "expected"} for case in public)
    bad: list[Any] = [
        "not json",
        {"industry": "nowhere", "facts": {}},
        {"industry": "ecommerce", "kinds": ["nope"], "facts": {}},
        return_case(goods_amount_paid="lots"),  # invalid_input
        return_case(request_date=None),  # needs_info or a missing-fact ask
        json.dumps(return_case(request_date="2026-03-12")),  # JSON text
        [1, 2],
        {"industry": "ecommerce", "facts": {"buyer_phone": "13800138000", "x": 1}},
        # a Python host's date: its chunk crosses the pipe pickled (marshal refuses it)
        {
            **return_case(),
            "facts": {**return_case()["facts"], "delivered_date": dt.date(2026, 3, 2)},
        },
    ]
    mixed: list[Any] = []
    for n, case in enumerate(cases):
        mixed.append(case)
        if n % 9 == 0:
            mixed.append(bad[(n // 9) % len(bad)])
    return mixed


def _shown(answer: Decision | Exception) -> Any:
    """What must be the same: all of a decision but its case id when the case has none."""
    if isinstance(answer, Exception):
        return type(answer).__name__, str(answer)
    data = answer.to_json_dict()
    if data["case_id"].startswith("C-"):
        data["case_id"] = "C-…"
    return data


@pytest.fixture(scope="module")
def probe() -> Probe:
    return Probe()


@pytest.fixture(scope="module")
def pooled(probe: Probe):
    with Kernel(workers=2, plugins=[probe], clock=_fixed_clock) as kernel:
        assert kernel._pool is not None
        kernel._pool.chunks_per_worker = 4  # the tests count a batch's chunks in eighths
        yield kernel


def _fixed_clock() -> dt.datetime:
    return dt.datetime(2026, 3, 9, 10, 0, tzinfo=CHINA_TZ)


def _in_process_kernel(probe: Probe) -> Kernel:
    return Kernel(plugins=[Probe()], clock=_fixed_clock)


def _count_here(kernel: Kernel, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Cases the parent decides itself (not a worker)."""
    here: list[Any] = []
    original = kernel._evaluate_into

    def counted(case: Any, answers: Any, pending: Any) -> None:
        here.append(case)
        original(case, answers, pending)

    monkeypatch.setattr(kernel, "_evaluate_into", counted)
    return here


def test_the_pool_answers_as_one_by_one_here(pooled, probe, monkeypatch):
    cases = varied_cases()
    assert len(cases) > 200
    with _in_process_kernel(probe) as alone:
        expected = [_shown(answer) for answer in alone.evaluate_many(cases)]
    here = _count_here(pooled, monkeypatch)
    answers = pooled.evaluate_many(cases)
    assert here == []  # every case went to a worker
    assert [_shown(answer) for answer in answers] == expected
    kinds = {type(answer).__name__ for answer in answers}
    assert kinds == {"Decision", "CaseError"}
    assert any(w for a in answers if isinstance(a, Decision) for w in a.warnings)
    errors = [a for a in answers if isinstance(a, CaseError)]
    assert {e.field for e in errors} >= {"case", "industry", "kind"}  # rebuilt as raised


def test_requests_larger_than_a_pipe_take_turns_without_blocking(pooled, probe, monkeypatch):
    """A chunk's request far over a pipe's 64 KiB (big facts): the parent writes what
    each pipe takes and the rest when it can, while it reads the answers; the workers
    read their requests themselves. Nothing waits on anything, and the answers are
    those decided here."""
    facts = {**return_case()["facts"], "buyer_note": "备注 note " * 4_000}  # ~40 KB each
    cases = [{**return_case(), "id": f"B-{n}", "facts": facts} for n in range(64)]
    with _in_process_kernel(probe) as alone:
        expected = [_shown(answer) for answer in alone.evaluate_many(cases)]
    posted: list[int] = []
    original = pool._Worker.post

    def watched(worker: Any, payload: bytes) -> None:
        original(worker, payload)
        posted.append(len(worker.outbox))  # what the pipe did not take at once

    monkeypatch.setattr(pool._Worker, "post", watched)
    here = _count_here(pooled, monkeypatch)
    answers = pooled.evaluate_many(cases)
    assert here == [] and max(posted) > 0  # a request waited for its pipe, and went
    assert [_shown(answer) for answer in answers] == expected


@pytest.mark.parametrize("full", [False, True])
def test_a_trace_read_is_decided_again_here_unless_the_batch_was_full(
    pooled, probe, monkeypatch, full
):
    cases = [c for c in varied_cases() if isinstance(c, dict)][:60]
    with _in_process_kernel(probe) as alone:
        expected = [_shown(answer) for answer in alone.evaluate_many(cases)]
    again: list[Any] = []
    original = pooled._decision

    def counted(case: Any, now: Any = None) -> Any:
        again.append(case)
        return original(case, now)

    monkeypatch.setattr(pooled, "_decision", counted)
    answers = pooled.evaluate_many(cases, full=full)
    assert again == []  # nothing decided here yet: outcomes only so far
    assert [_shown(answer) for answer in answers] == expected  # reads trace, explanation
    decided = sum(isinstance(a, Decision) for a in answers)
    assert len(again) == (0 if full else decided)


def test_observers_run_in_the_parent_once_each_in_order(pooled, probe):
    probe.seen.clear()
    cases = [{**return_case(), "id": f"O-{n}"} for n in range(64)]
    pooled.evaluate_many(cases)
    assert probe.seen == [(os.getpid(), f"O-{n}") for n in range(64)]


def test_the_log_is_what_deciding_here_writes(tmp_path):
    cases = [{**return_case(), "id": f"L-{n}"} for n in range(80)]
    cases[5] = {"industry": "nowhere", "facts": {}}
    cases[9] = {**return_case(), "id": "L-9", "facts": {"buyer_phone": "13800138000"}}
    cases[9]["industry"] = "ecommerce"
    rows = {}
    shown = {}
    for workers in (0, 2):
        db = tmp_path / f"log{workers}.db"
        with Kernel(db=db, workers=workers, clock=_fixed_clock) as kernel:
            answers = kernel.evaluate_many(cases)
            assert isinstance(answers[5], CaseError)
            shown[workers] = [_shown(answer) for answer in answers]  # the trace from the log JSON
        rows[workers] = list(
            Database(db).query(
                "SELECT id, case_id, kinds, as_of, rules_version, plugin_versions, outcomes,"
                " warnings, case_json, decision_json, calendar_version, rule_file_set"
                " FROM decisions ORDER BY id"
            )
        )
    assert len(rows[2]) == 79
    assert [row["id"] for row in rows[2]] == list(range(1, 80))
    assert rows[2] == rows[0]
    assert shown[2] == shown[0]
    assert "13800138000" not in json.dumps(rows[2])  # masked as here


def test_a_worker_that_dies_costs_its_cases_one_line_each_and_is_replaced(pooled, probe):
    cases = [{**return_case(), "id": f"D-{n}"} for n in range(96)]
    cases[40] = {**return_case(goods_amount_paid=DEATH_AMOUNT), "id": "D-40"}
    before = set(pooled._pool.pids)
    answers = pooled.evaluate_many(cases)
    died = [a for a in answers if isinstance(a, EngineError)]
    assert isinstance(answers[40], EngineError)
    assert all(isinstance(a, Decision | EngineError) for a in answers)
    assert len(died) < len(cases) // 2  # the other worker took the rest of the batch
    assert [a.case_id for a in answers if isinstance(a, Decision)] == [  # in their places
        case["id"] for case, a in zip(cases, answers, strict=True) if isinstance(a, Decision)
    ]
    message = str(died[0])
    assert "pool worker" in message and "killed by signal 9" in message and "\n" not in message
    again = pooled.evaluate_many(cases[:32] * 2)  # the next batch: a new worker
    assert all(isinstance(a, Decision) for a in again)
    after = set(pooled._pool.pids)
    assert len(after & before) == 1 and len(after) == 2


def test_when_every_worker_died_the_rest_is_decided_here(pooled, probe, monkeypatch):
    cases = [return_case() for _ in range(208)]  # 8 chunks of 26
    # The first two chunks kill whichever worker takes them (one each: they are handed
    # out in turn). Which chunks each worker held when it died depends on which
    # finished first (at most two each).
    cases[0] = cases[26] = return_case(goods_amount_paid=DEATH_AMOUNT)
    here = _count_here(pooled, monkeypatch)
    answers = pooled.evaluate_many(cases)
    assert len(answers) == 208
    lost = [i for i, a in enumerate(answers) if not isinstance(a, Decision)]
    assert 0 in lost and 26 in lost
    assert all(isinstance(answers[i], EngineError) for i in lost)  # one line each
    assert all("\n" not in str(answers[i]) for i in lost)
    assert len(lost) <= 4 * 26  # what two workers held, no more
    assert len(here) >= 26 and isinstance(answers[-1], Decision)  # the rest decided here
    assert all(isinstance(a, Decision) for a in pooled.evaluate_many([return_case()] * 40))


def test_a_worker_killed_between_batches_is_started_again(pooled):
    worker = pooled._pool._workers[0]
    os.kill(worker.proc.pid, signal.SIGKILL)
    worker.proc.wait()
    answers = pooled.evaluate_many([return_case()] * 40)
    assert all(isinstance(a, Decision) for a in answers)


def test_small_batches_and_a_second_thread_are_decided_here(pooled, monkeypatch):
    here = _count_here(pooled, monkeypatch)
    pooled.evaluate_many([return_case()] * (pooled._pool.min_batch - 1))
    assert len(here) == pooled._pool.min_batch - 1
    here.clear()
    pooled._pool._lock.acquire()  # another thread's batch is out with the workers
    try:
        answers = pooled.evaluate_many([return_case()] * 40)
    finally:
        pooled._pool._lock.release()
    assert len(here) == 40 and all(isinstance(a, Decision) for a in answers)


def test_threads_share_the_pool_and_each_gets_its_own_answers(pooled):
    results: dict[int, list[Any]] = {}

    def run(number: int) -> None:
        cases = [{**return_case(), "id": f"T{number}-{n}"} for n in range(50)]
        results[number] = [a.case_id for a in pooled.evaluate_many(cases)]  # type: ignore[union-attr]

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == {n: [f"T{n}-{k}" for k in range(50)] for n in range(4)}


def test_a_reload_reaches_the_workers(rules_copy: Path, monkeypatch):
    cases = [return_case(request_date="2026-03-12") for _ in range(40)]
    with Kernel(rules_dir=rules_copy, workers=2) as kernel:
        first = kernel.evaluate_many(cases)
        assert {a.outcomes["return"]["decision"] for a in first} == {"reject"}  # type: ignore[union-attr]
        path = rules_copy / "ecommerce" / "return.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text + "\n# edited\n", encoding="utf-8")
        kernel.reload()
        here = _count_here(kernel, monkeypatch)
        again = kernel.evaluate_many(cases)
        assert here == []  # the workers reloaded: none fell back to this process
        versions = {a.rules_version for a in again}  # type: ignore[union-attr]
        assert len(versions) == 1 and versions != {first[0].rules_version}  # type: ignore[union-attr]
        assert versions == {kernel.evaluate(cases[0]).rules_version}


def test_auto_reload_reaches_the_workers(rules_copy: Path, monkeypatch):
    cases = [return_case() for _ in range(40)]
    with Kernel(rules_dir=rules_copy, workers=2, auto_reload=True, reload_interval=0) as kernel:
        first = kernel.evaluate_many(cases)[0].rules_version  # type: ignore[union-attr]
        path = rules_copy / "ecommerce" / "return.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        here = _count_here(kernel, monkeypatch)
        again = {a.rules_version for a in kernel.evaluate_many(cases)}  # type: ignore[union-attr]
        assert here == [] and len(again) == 1 and again != {first}


class Registered:
    """A plugin a host registers on the kernel after it was built (picklable)."""

    @hookimpl
    def decision_made(self, case: Any, decision: Decision) -> None:
        pass


def test_a_plugin_registered_later_restarts_the_workers_with_it():
    with Kernel(workers=2) as kernel:
        kernel.evaluate_many([return_case()] * 40)
        before = kernel._pool.pids  # type: ignore[union-attr]
        kernel.pm.register(Registered())
        answers = kernel.evaluate_many([return_case()] * 40)
        assert all(isinstance(a, Decision) for a in answers)
        after = kernel._pool.pids  # type: ignore[union-attr]
        assert not set(before) & set(after)
        for pid in before:
            assert not Path(f"/proc/{pid}").exists()

        class Local:
            @hookimpl
            def decision_made(self, case: Any, decision: Decision) -> None:
                pass

        kernel.pm.register(Local())
        with pytest.raises(PluginError, match="cannot be sent to a worker process"):
            kernel.evaluate_many([return_case()] * 40)


def test_close_stops_and_reaps_every_worker():
    with Kernel(workers=2) as kernel:
        kernel.evaluate_many([return_case()] * 40)
        pids = kernel._pool.pids  # type: ignore[union-attr]
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists()  # neither running nor a zombie


def test_a_plugin_that_cannot_reach_a_worker_is_refused_in_one_line():
    class Local:  # defined in a function: cannot be pickled
        @hookimpl
        def decision_made(self, case: Any, decision: Decision) -> None:
            pass

    with pytest.raises(PluginError) as caught:
        Kernel(workers=2, plugins=[Local()])
    message = str(caught.value)
    assert "workers=2" in message and "Local" in message and "\n" not in message
    with Kernel(workers=1, plugins=[Local()]) as alone:  # in-process: fine
        assert alone._pool is None


def test_cli_jsonl_with_workers_prints_what_without_them_does(tmp_path):
    lines = [json.dumps({**return_case(), "id": f"J-{n}"}) for n in range(40)]
    lines[3] = "{not json"
    source = tmp_path / "cases.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = []
    for extra in ([], ["--workers", "2"]):
        result = CliRunner().invoke(
            cli, ["evaluate", "--jsonl", "--no-log", *extra, str(source)], catch_exceptions=False
        )
        assert result.exit_code == 1
        outputs.append(result.stdout.splitlines())
    assert outputs[1] == outputs[0] and len(outputs[0]) == 40  # byte for byte
    assert json.loads(outputs[1][3]) == {"line": 4, "error": json.loads(outputs[0][3])["error"]}
    assert "explanation" in json.loads(outputs[1][0])
