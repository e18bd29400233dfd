"""Concurrency and memory: one kernel shared by threads answers exactly as it does
alone, and repeated evaluation does not grow the process (sessions are freed)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from cscore.kernel import Kernel
from cscore.rulebook.cases import load_cases

from .conftest import RULES

THREADS = 4
PER_THREAD = 10_000


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@pytest.fixture(scope="module")
def workload():
    cases = load_cases(RULES / "ecommerce" / "return.cases.yaml")
    return [case.envelope() for case in cases]


def _answer(kernel: Kernel, case: dict) -> tuple:
    decision = kernel.evaluate(case)
    return (repr(decision.outcomes), tuple(e.rule for e in decision.trace))


def test_four_threads_match_the_single_threaded_answers(workload):
    """4 threads × 10,000 evaluations on one kernel: no crash, every answer identical."""
    with Kernel() as kernel:
        expected = [_answer(kernel, case) for case in workload]
        mismatches: list[str] = []
        failures: list[BaseException] = []

        def worker(offset: int) -> None:
            try:
                for i in range(PER_THREAD):
                    index = (i + offset) % len(workload)
                    if _answer(kernel, workload[index]) != expected[index]:
                        mismatches.append(workload[index]["id"])
            except BaseException as exc:  # collected for the assertion below
                failures.append(exc)

        threads = [threading.Thread(target=worker, args=(n * 7,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not failures
    assert not mismatches


def test_memory_stays_flat_over_many_evaluations(workload):
    """20,000 evaluations after a warm-up grow the process by less than 8 MiB."""
    with Kernel() as kernel:
        for i in range(2_000):
            kernel.evaluate(workload[i % len(workload)])
        before = _rss_kib()
        for i in range(20_000):
            kernel.evaluate(workload[i % len(workload)])
        grown = _rss_kib() - before
    assert grown < 8 * 1024, f"RSS grew by {grown} KiB"
