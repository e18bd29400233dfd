"""Hold every contender to cscore's answers.

    python benchmarks/contenders/check.py [N]

Runs generate(N) (default 20000, seed 20261122) plus the hand-written cases of
rules/ecommerce/return.cases.yaml through cscore and through each contender, compares
the ``return`` outcomes exactly (after JSON normalisation), prints ``OK n/n`` or the
first 10 mismatches per contender, and exits 1 on any mismatch. The cases/s figures are
one timed loop each: informational, not a benchmark.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parents[1]
ROOT = BENCHMARKS.parent
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

from workload import generate  # noqa: E402

from contenders import Contender  # noqa: E402
from contenders.plain_python import PlainPython, is_working_day  # noqa: E402
from cscore import Kernel  # noqa: E402
from cscore.calendar import WorkCalendar  # noqa: E402
from cscore.jsonvalues import round_money  # noqa: E402
from cscore.rulebook.cases import load_cases  # noqa: E402

SEED = 20261122
SHOWN = 10


def normalise(value: Any) -> Any:
    """JSON shape, numbers as money (so 259 and 259.0 are the same amount)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return round_money(float(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    return json.loads(json.dumps(value, default=str))


def load_all(count: int) -> list[dict[str, Any]]:
    cases = generate(count, seed=SEED)
    hand = load_cases(ROOT / "rules" / "ecommerce" / "return.cases.yaml")
    return cases + [case.envelope() for case in hand]


def check_calendar() -> list[str]:
    """The contenders' 2025–2026 table against cscore's official calendar."""
    official = WorkCalendar()
    day, wrong = dt.date(2025, 1, 1), []
    while day.year < 2027:
        if is_working_day(day) != official.is_working_day(day):
            wrong.append(day.isoformat())
        day += dt.timedelta(days=1)
    return wrong


def timed(
    decide: Callable[[dict[str, Any]], dict[str, Any]], cases: list[dict[str, Any]]
) -> tuple[list[Any], float]:
    started = time.perf_counter()
    answers = [decide(case) for case in cases]
    return answers, time.perf_counter() - started


def contenders() -> list[Contender]:
    built: list[Contender] = [PlainPython()]
    from contenders.zen_engine import ZenEngineContender

    built.append(ZenEngineContender())
    return built


def main(argv: list[str]) -> int:
    count = int(argv[1]) if len(argv) > 1 else 20000
    wrong_days = check_calendar()
    if wrong_days:
        print(f"calendar table differs from cscore's on: {', '.join(wrong_days)}")
        return 1
    cases = load_all(count)
    print(
        f"{len(cases)} cases ({count} generated, seed {SEED}, + {len(cases) - count} hand-written)"
    )

    kernel = Kernel()
    raw, seconds = timed(lambda case: kernel.evaluate(case).outcomes["return"], cases)
    expected = [normalise(outcome) for outcome in raw]
    print(f"{'cscore':<14} reference      {len(cases) / seconds:>10,.0f} cases/s")

    failed = False
    for contender in contenders():
        got, seconds = timed(contender.decide, cases)
        rate = len(cases) / seconds
        # Equal after JSON normalisation, and equal as they come too (run.py compares
        # the raw dicts), so 229.1 vs 229.10000000000002 counts as a mismatch.
        mismatches = [
            (case, want, answer)
            for case, want, exact, answer in zip(cases, expected, raw, got, strict=True)
            if normalise(answer) != want or answer != exact
        ]
        if not mismatches:
            print(f"{contender.name:<14} OK {len(cases)}/{len(cases)} {rate:>10,.0f} cases/s")
            continue
        failed = True
        print(
            f"{contender.name:<14} MISMATCH {len(mismatches)}/{len(cases)} "
            f"{rate:>10,.0f} cases/s; the first {min(SHOWN, len(mismatches))}:"
        )
        for case, want, answer in mismatches[:SHOWN]:
            print(f"  {case.get('id')}")
            print(f"    facts:    {json.dumps(case['facts'], ensure_ascii=False, sort_keys=True)}")
            print(f"    expected: {json.dumps(want, ensure_ascii=False, sort_keys=True)}")
            print(
                f"    got:      {json.dumps(answer, ensure_ascii=False, sort_keys=True, default=repr)}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
