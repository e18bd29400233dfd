"""What the decision log costs: run.py's cscore contenders alone, in one interleaved run.

    python benchmarks/log_cost.py [CASES] [ROUNDS] [contender,contender,...]

The same workers, answer check and interleaved rounds as ``run.py`` (part 2), for the
cscore contenders only (a minute instead of ten): cases/s, µs per decision, p50/p99,
and the per-round ratios with the log ÷ without it (issue 16's targets).
"""

from __future__ import annotations

import statistics
import sys

import run

KEYS = ["cscore", "cscore_log", "cscore_queued", "cscore_many", "cscore_many_log"]
PAIRS = [
    ("cscore_log", "cscore", "evaluate with the log ÷ without (journaled before return)"),
    ("cscore_queued", "cscore", "evaluate with the log ÷ without (queued, no journal)"),
    ("cscore_many_log", "cscore_many", "evaluate_many with the log ÷ without"),
]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    keys = sys.argv[3].split(",") if len(sys.argv) > 3 else KEYS
    workers = {key: run.Worker(key, count) for key in keys}
    run.check_answers(workers, count)
    results = run.throughput(workers, rounds)
    print()
    for key in keys:
        row = results[key]
        latency = (
            f"p50 {row['p50_us']:5.0f} µs  p99 {row['p99_us']:5.0f} µs" if row["p50_us"] else ""
        )
        print(
            f"{row['name']:32s} {row['cases_per_s']:7,.0f} cases/s "
            f"{1e6 / row['cases_per_s']:6.1f} µs/decision  {latency}"
        )
    for mine, theirs, label in PAIRS:
        if mine in results and theirs in results:
            ratio = statistics.median(
                a / b for a, b in zip(results[mine]["rates"], results[theirs]["rates"], strict=True)
            )
            cost = 1e6 / results[mine]["cases_per_s"] - 1e6 / results[theirs]["cases_per_s"]
            print(f"{label}: {ratio:.3f} (the log: {cost:.0f} µs per decision)")
    if "cscore_log" in results:
        logged = results["cscore_log"]
        print(f"p99 ÷ p50 with the log: {logged['p99_us'] / logged['p50_us']:.2f}")
    for worker in workers.values():
        worker.stop()


if __name__ == "__main__":
    main()
