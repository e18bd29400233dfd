"""HTTP load test: concurrent clients against `cscore serve --workers 2` on 127.0.0.1.

    python benchmarks/http_load.py [--clients 8] [--requests 1000] [--workers 2]

Each client sends its requests one after another on its own keep-alive connection:
the public cases of the four industries and seeded e-commerce return cases
(workload.py), each under a unique case id. Then it checks, and exits 1 unless all hold:
zero errors; every answer equal to what `cscore.evaluate` gives for the same case at the
same `as_of` (the case's, else the instant the server logged); every decision logged
exactly once. Prints requests/s and p50/p99 latency (benchmarks/README.md, "HTTP").
Bounded: a fixed number of requests, a 30 s timeout each, a 15-minute deadline.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from workload import generate  # noqa: E402

DEADLINE_S = 900


def templates() -> list[dict[str, Any]]:
    public = json.loads((ROOT / "tests" / "data" / "cases_public.json").read_text("utf-8"))
    cases = [{k: v for k, v in case.items() if k != "expected"} for case in public]
    return cases + generate(200)


def run_client(
    url: str, client_no: int, count: int, cases: list[dict[str, Any]], out: list[Any]
) -> None:
    stop_at = time.monotonic() + DEADLINE_S
    with httpx.Client(base_url=url, timeout=30) as client:
        for i in range(count):
            if time.monotonic() > stop_at:
                out.append((None, None, "deadline passed", 0.0))
                return
            template = cases[(client_no * 7919 + i) % len(cases)]
            case = {**template, "id": f"LOAD-{client_no}-{i}"}
            started = time.perf_counter()
            try:
                response = client.post("/v1/decisions", json=case)
            except httpx.HTTPError as exc:
                out.append((case, None, repr(exc), time.perf_counter() - started))
                continue
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                out.append((case, None, f"{response.status_code} {response.text[:200]}", elapsed))
                continue
            out.append((case, response.json(), None, elapsed))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=1000, help="per client")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not (1 <= args.clients <= 64 and 1 <= args.requests <= 100_000):
        parser.error("--clients 1..64, --requests 1..100000")

    from cscore.testing.server import serving

    cases = templates()
    folder = Path(tempfile.mkdtemp(prefix="cscore-http-load-"))
    db = folder / "log.db"
    results: list[list[Any]] = [[] for _ in range(args.clients)]
    with serving(
        ["--db", str(db), "serve", "--workers", str(args.workers)], log=folder / "server.log"
    ) as url:
        for case in cases[:20]:  # warm up every worker's caches (not counted, not checked)
            httpx.post(f"{url}/v1/decisions", json={**case, "id": "WARMUP"}, timeout=30)
        threads = [
            threading.Thread(target=run_client, args=(url, n, args.requests, cases, results[n]))
            for n in range(args.clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=DEADLINE_S + 60)
        wall = time.perf_counter() - started
    answers = [entry for client in results for entry in client]
    errors = [entry[2] for entry in answers if entry[2] is not None]
    total = args.clients * args.requests
    latencies = sorted(entry[3] for entry in answers if entry[2] is None)
    problems = [f"{len(errors)} errors, e.g. {errors[:3]}"] if errors else []
    if len(answers) != total:
        problems.append(f"{len(answers)} answers for {total} requests")
    problems += check_log(db, answers)
    problems += check_decisions(answers, db)

    rps = len(latencies) / wall if wall else 0.0
    p50 = statistics.quantiles(latencies, n=100)[49] * 1000 if len(latencies) > 1 else 0.0
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 1 else 0.0
    cpu = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    print(
        f"{args.clients} clients × {args.requests} requests, --workers {args.workers} "
        f"({cpu}, Python {platform.python_version()}): {len(latencies)} decisions in "
        f"{wall:.1f} s = {rps:,.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print(
            f"OK: zero errors, all {len(latencies)} decisions equal cscore.evaluate's, "
            "each logged exactly once"
        )
    return 1 if problems else 0


def check_log(db: Path, answers: list[Any]) -> list[str]:
    """Every decision answered is in the log once, under the id the answer gave."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT id, case_id FROM decisions WHERE case_id LIKE 'LOAD-%'"
        ).fetchall()
    by_case: dict[str, list[int]] = {}
    for row_id, case_id in rows:
        by_case.setdefault(case_id, []).append(row_id)
    problems = []
    twice = [c for c, ids in by_case.items() if len(ids) != 1]
    if twice:
        problems.append(f"{len(twice)} cases logged more than once, e.g. {twice[:3]}")
    answered = {
        case["id"]: answer["decision_id"] for case, answer, error, _ in answers if not error
    }
    if set(by_case) != set(answered):
        problems.append(f"{len(set(answered) ^ set(by_case))} cases answered xor logged")
    wrong = [c for c, i in answered.items() if by_case.get(c, [None])[0] != i]
    if wrong:
        problems.append(f"{len(wrong)} answers name another log row, e.g. {wrong[:3]}")
    return problems


def check_decisions(answers: list[Any], db: Path) -> list[str]:
    """Each answer equals cscore.evaluate of its case at the instant it was decided."""
    os.environ["CSCORE_DB"] = ":memory:"  # the local default kernel logs nowhere shared
    os.environ.pop("CSCORE_RULES_DIR", None)
    import cscore

    with sqlite3.connect(db) as conn:
        as_of = dict(conn.execute("SELECT case_id, as_of FROM decisions").fetchall())
    different = []
    for case, answer, error, _ in answers:
        if error:
            continue
        facts = case.get("facts") or {}
        local_case = {**case, "facts": {**facts, "as_of": facts.get("as_of") or as_of[case["id"]]}}
        expected = cscore.evaluate(local_case).to_json_dict()
        got = {k: v for k, v in answer.items() if k != "decision_id"}
        if got != expected:  # the whole decision: outcomes, trace, warnings, rules_version
            different.append(case["id"])
    return [f"{len(different)} decisions differ, e.g. {different[:3]}"] if different else []


if __name__ == "__main__":
    sys.exit(main())
