"""The appliance benchmark's plain-Python contender gives exactly cscore's outcomes."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import appliance  # noqa: E402
from contenders.plain_appliance import PlainAppliance  # noqa: E402

from cscore.kernel import Kernel  # noqa: E402


def test_plain_appliance_equals_cscore_on_every_workload_case() -> None:
    kernel = Kernel()
    cases = appliance.base_cases(kernel)
    assert {case["kinds"][0] for case in cases} == set(appliance.KINDS)
    assert appliance.check(kernel, PlainAppliance(), cases) == len(cases) > 100
    kernel.close()


def test_check_aborts_on_a_difference() -> None:
    kernel = Kernel()
    case = appliance.base_cases(kernel)[0]

    class Wrong(PlainAppliance):
        def decide(self, case: dict) -> dict:  # type: ignore[type-arg]
            return {kind: {} for kind in case["kinds"]}

    try:
        appliance.check(kernel, Wrong(), [case])
    except SystemExit as stop:
        assert stop.code == 1
    else:
        raise AssertionError("a wrong answer must abort")
    kernel.close()
