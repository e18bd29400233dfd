"""The long fuzz run of the boundary (issue 8): mutated cases and rule files.

    python benchmarks/fuzz.py --facts 200000 --rules 2000 [--seed 1] [--workers 4]

Each worker is a separate process (a crash of the C engine would end it: counted as a
crash, not hidden). An input whose answer takes longer than ``--hang`` seconds is a
hang. Prints one JSON line of totals; exits 1 when anything else than the contract's
answers (cscore.testing.fuzz) was seen.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"


def worker(kind: str, count: int, seed: int, hang: float) -> dict[str, Any]:
    from cscore.kernel import Kernel
    from cscore.testing.fuzz import (
        base_cases,
        check_case,
        check_rules,
        mutate_case,
        mutate_rule_text,
    )

    rng = random.Random(seed)
    cases = base_cases(RULES)
    found: collections.Counter[str] = collections.Counter()
    hangs = 0
    slowest = 0.0
    kernel = Kernel() if kind == "facts" else None
    files = sorted(
        str(p.relative_to(RULES))
        for p in RULES.glob("*/*")
        if p.suffix in (".yaml", ".csv") and ".cases." not in p.name
    )
    for _ in range(count):
        started = time.perf_counter()
        if kernel is not None:
            problem = check_case(kernel, mutate_case(rng, rng.choice(cases)))
        else:
            file = rng.choice(files)
            text = mutate_rule_text(rng, (RULES / file).read_text(encoding="utf-8"))
            problem = check_rules(RULES, file, text, rng.sample(cases, 3))
        took = time.perf_counter() - started
        slowest = max(slowest, took)
        if took > hang:
            hangs += 1
        if problem:
            found[problem.strip().splitlines()[-1][:200]] += 1
    if kernel is not None:
        kernel.close()
    return {"inputs": count, "other": dict(found), "hangs": hangs, "slowest_s": slowest}


def run_chunk(kind: str, count: int, seed: int, hang: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", kind, str(count), str(seed), str(hang)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"inputs": count, "crash": done.returncode, "stderr": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        kind, count, seed, hang = (
            sys.argv[2],
            int(sys.argv[3]),
            int(sys.argv[4]),
            float(sys.argv[5]),
        )
        print(json.dumps(worker(kind, count, seed, hang), ensure_ascii=False))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, default=200_000, help="mutated cases")
    parser.add_argument("--rules", type=int, default=2_000, help="mutated rule files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--chunk", type=int, default=10_000, help="cases per worker process")
    parser.add_argument("--hang", type=float, default=1.0, help="seconds a case may take")
    parser.add_argument(
        "--rule-hang", type=float, default=10.0, help="seconds building a kernel may take"
    )
    args = parser.parse_args()
    jobs = []
    seed = args.seed * 1_000_000
    for kind, total, chunk in (
        ("facts", args.facts, args.chunk),
        ("rules", args.rules, max(1, args.chunk // 100)),
    ):
        while total > 0:
            size = min(chunk, total)
            jobs.append((kind, size, seed))
            seed += 1
            total -= size
    started = time.time()
    totals: dict[str, Any] = {
        kind: {"inputs": 0, "other": collections.Counter(), "hangs": 0, "crashes": 0}
        for kind in ("facts", "rules")
    }
    slowest = dict.fromkeys(totals, 0.0)
    with ThreadPoolExecutor(args.workers) as pool:
        for (kind, _size, _seed), result in zip(
            jobs,
            pool.map(
                lambda job: run_chunk(*job, args.hang if job[0] == "facts" else args.rule_hang),
                jobs,
            ),
            strict=True,
        ):
            entry = totals[kind]
            entry["inputs"] += result["inputs"]
            if "crash" in result:
                entry["crashes"] += 1
                print(f"crash in {kind} chunk (exit {result['crash']}): {result['stderr']}")
                continue
            entry["other"].update(result["other"])
            entry["hangs"] += result["hangs"]
            slowest[kind] = max(slowest[kind], result["slowest_s"])
    report = {
        kind: {
            "inputs": entry["inputs"],
            "other_exceptions": sum(entry["other"].values()),
            "hangs": entry["hangs"],
            "crashes": entry["crashes"],
            "slowest_s": round(slowest[kind], 3),
            "kinds_of_other": dict(entry["other"]),
        }
        for kind, entry in totals.items()
    }
    report["seconds"] = round(time.time() - started, 1)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    bad = any(
        report[k]["other_exceptions"] or report[k]["hangs"] or report[k]["crashes"] for k in totals
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
