"""The public example cases (tests/data/cases_public.json, copied from ../shared) give
their expected outcome fields through the Python API and through the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import cscore
from cscore.cli import cli

from .conftest import PUBLIC_CASES


def _ecommerce(kind: str) -> list[dict]:
    cases = json.loads(PUBLIC_CASES.read_text(encoding="utf-8"))
    return [c for c in cases if c["industry"] == "ecommerce" and c["kind"] == kind]


RETURN_CASES = _ecommerce("return")
ALL_ECOMMERCE = [
    case
    for case in json.loads(PUBLIC_CASES.read_text(encoding="utf-8"))
    if case["industry"] == "ecommerce"
]


def _assert_expected(case: dict, outcome: dict) -> None:
    for key, expected in case["expected"].items():
        actual = outcome.get(key)
        if isinstance(expected, float):
            assert actual == pytest.approx(expected, abs=0.005), key
        else:
            assert actual == expected, f"{case['id']}: {key}"


def test_there_are_public_return_cases():
    """The copied example file holds e-commerce return cases for the checks below to run on."""
    assert len(RETURN_CASES) >= 4


@pytest.mark.parametrize("case", RETURN_CASES, ids=[c["id"] for c in RETURN_CASES])
def test_public_return_case_through_python_api(case, default_kernel_db):
    """cscore.evaluate gives every expected field, and logs the decision."""
    decision = cscore.evaluate(case)
    _assert_expected(case, decision.outcomes["return"])
    assert decision.case_id == case["id"]
    assert cscore.default_kernel().store.count() == 1


@pytest.mark.parametrize("case", RETURN_CASES, ids=[c["id"] for c in RETURN_CASES])
def test_public_return_case_through_cli(case, tmp_path):
    """`cscore evaluate CASE.json` prints a decision with every expected field."""
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "cli.db"), "evaluate", str(path)])
    assert result.exit_code == 0, result.output
    _assert_expected(case, json.loads(result.output)["outcomes"]["return"])


@pytest.mark.parametrize("case", ALL_ECOMMERCE, ids=[c["id"] for c in ALL_ECOMMERCE])
def test_every_public_ecommerce_case(case, kernel):
    """Every e-commerce kind (warranty, return, fee, escalation) gives its expected fields,
    and the trace cites every rule the case lists as its justification."""
    decision = kernel.evaluate(case)
    _assert_expected(case, decision.outcomes[case["kind"]])
    fired = {entry.rule for entry in decision.trace}
    assert set(case["rules"]) <= fired, sorted(set(case["rules"]) - fired)
