"""Appliance-repair benchmark: cscore.evaluate against the same policy in plain Python
(contenders/plain_appliance.py), per kind (warranty, return, fee, escalation, routing).

    python benchmarks/appliance.py [--cases N] [--rounds R]

Workload: the appliance rule cases (rules/appliance_repair/*.cases.yaml) and the public
appliance cases (tests/data/cases_public.json), each with its kind, given a fixed
``as_of`` when they have none (so "not yet happened" is measured against the same
instant in both), keeping those cscore decides (no needs_info / invalid_input) and
without tickets (not in the plain contender); repeated and shuffled to N cases.
Before any time counts, plain Python must give exactly cscore's outcome (same JSON) on
every case, or the run aborts naming the first difference. Then both are timed in
interleaved rounds in this process; cases/s is the median of the rounds, and the ratio
cscore ÷ plain Python is the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import mixed  # noqa: E402
from contenders.plain_appliance import PlainAppliance  # noqa: E402

INDUSTRY = "appliance_repair"
KINDS = ("warranty", "return", "fee", "escalation", "routing")
AS_OF = "2026-12-01T12:00:00+08:00"
UNDECIDED = ("needs_info", "invalid_input")


def _same(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def base_cases(kernel: Any) -> list[dict[str, Any]]:
    """The appliance cases cscore decides, one kind each, with a fixed as_of."""
    out = []
    for case in mixed.sources():
        if case.get("industry") != INDUSTRY or not case.get("kinds"):
            continue
        facts = dict(case["facts"])
        if "ticket_created_at" in facts:
            continue
        facts.setdefault("as_of", AS_OF)
        envelope = {**case, "facts": facts}
        outcomes = kernel.evaluate(envelope).outcomes
        if any(o.get("decision") in UNDECIDED for o in outcomes.values()):
            continue
        out.append(envelope)
    return out


def generate(kernel: Any, count: int, seed: int = 20261201) -> list[dict[str, Any]]:
    base = base_cases(kernel)
    rng = random.Random(seed)
    out = [dict(base[i % len(base)], id=f"APPL-{i}") for i in range(count)]
    rng.shuffle(out)
    return out


def check(kernel: Any, plain: PlainAppliance, cases: list[dict[str, Any]]) -> int:
    """Plain Python must answer every case exactly as cscore does; abort otherwise."""
    for case in cases:
        want = kernel.evaluate(case).outcomes
        got = plain.decide(case)
        if _same(want) != _same(got):
            print(f"ABORT: plain Python differs from cscore on {case['id']}:")
            print(f"  facts:  {_same(case['facts'])}")
            print(f"  cscore: {_same(want)}")
            print(f"  plain:  {_same(got)}")
            raise SystemExit(1)
    return len(cases)


def _time(decide: Any, cases: list[dict[str, Any]]) -> dict[str, Any]:
    clock = time.perf_counter_ns
    per_kind: dict[str, int] = {}
    started = clock()
    for case in cases:
        begin = clock()
        decide(case)
        kind = case["kinds"][0]
        per_kind[kind] = per_kind.get(kind, 0) + clock() - begin
    elapsed = (clock() - started) / 1e9
    counts: dict[str, int] = {}
    for case in cases:
        counts[case["kinds"][0]] = counts.get(case["kinds"][0], 0) + 1
    return {
        "cases_per_s": len(cases) / elapsed,
        "by_kind": {k: counts[k] / (ns / 1e9) for k, ns in per_kind.items()},
    }


def run(count: int = 3000, rounds: int = 5) -> dict[str, Any]:
    from cscore.kernel import Kernel

    kernel = Kernel()
    plain = PlainAppliance()
    cases = generate(kernel, count)
    checked = check(kernel, plain, cases)
    contenders = {"cscore": kernel.evaluate, "python": plain.decide}
    for decide in contenders.values():  # warm-up, not counted
        _time(decide, cases[: min(len(cases), 500)])
    samples: dict[str, list[dict[str, Any]]] = {key: [] for key in contenders}
    keys = list(contenders)
    for number in range(rounds):
        for key in keys[number % 2 :] + keys[: number % 2]:
            samples[key].append(_time(contenders[key], cases))
    kernel.close()
    kinds = [k for k in KINDS if any(c["kinds"][0] == k for c in cases)]
    out: dict[str, Any] = {
        "cases": count,
        "distinct_cases": len(base_cases_ids(cases)),
        "rounds": rounds,
        "checked": checked,
        "kinds": kinds,
        "by_kind_cases": {k: sum(c["kinds"][0] == k for c in cases) for k in kinds},
    }
    for key in keys:
        out[key] = {
            "cases_per_s": statistics.median(s["cases_per_s"] for s in samples[key]),
            "by_kind": {k: statistics.median(s["by_kind"][k] for s in samples[key]) for k in kinds},
        }
    pairs = list(zip(samples["cscore"], samples["python"], strict=True))
    out["ratio"] = statistics.median(c["cases_per_s"] / p["cases_per_s"] for c, p in pairs)
    out["ratio_by_kind"] = {
        k: statistics.median(c["by_kind"][k] / p["by_kind"][k] for c, p in pairs) for k in kinds
    }
    return out


def base_cases_ids(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per distinct source case (the facts and kind it was copied from)."""
    seen: dict[str, dict[str, Any]] = {}
    for case in cases:
        key = _same([case["kinds"], case["facts"]])
        seen.setdefault(key, {"id": key})
    return list(seen.values())


def render(result: dict[str, Any]) -> str:
    kinds = result["kinds"]
    lines = [
        f"Appliance repair (`appliance.py`: {result['cases']} cases from "
        f"{result['distinct_cases']} distinct rule and public cases × {result['rounds']} "
        f"interleaved rounds; plain Python equal to cscore on all {result['checked']} "
        "cases before timing):",
        "",
        "| contender | all kinds | " + " | ".join(kinds) + " |",
        "|---|---:|" + "---:|" * len(kinds),
    ]
    for key, name in (("cscore", "cscore.evaluate"), ("python", "plain Python")):
        row = result[key]
        cells = " | ".join(f"{row['by_kind'][k]:,.0f}" for k in kinds)
        lines.append(f"| {name} cases/s | {row['cases_per_s']:,.0f} | {cells} |")
    ratios = " | ".join(f"{result['ratio_by_kind'][k]:.3f}" for k in kinds)
    lines.append(f"| cscore ÷ plain Python | {result['ratio']:.3f} | {ratios} |")
    lines += [
        "",
        "(cases in the workload per kind: "
        + ", ".join(f"{k} {result['by_kind_cases'][k]}" for k in kinds)
        + ")",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=3000, help="cases per round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args()
    print(render(run(args.cases, args.rounds)))


if __name__ == "__main__":
    main()
