"""The public example cases of the four industries (tests/data/cases_public.json, a
copy of the spec's examples) give their expected outcome fields through the Python API,
and the e-commerce returns through the command line too."""

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
ALL_PUBLIC = json.loads(PUBLIC_CASES.read_text(encoding="utf-8"))
INDUSTRIES = ("ecommerce", "appliance_repair", "property_management", "sales_office")


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


def test_the_public_cases_cover_the_four_industries():
    """Ten example cases per industry, each with a kind, expected fields and the rules
    that justify them: the checks below run on all forty."""
    assert len(ALL_PUBLIC) == 40
    for industry in INDUSTRIES:
        cases = [c for c in ALL_PUBLIC if c["industry"] == industry]
        assert len(cases) == 10, industry
        assert all(c["expected"] and c["rules"] for c in cases), industry


@pytest.fixture(scope="module")
def default_kernel_once(tmp_path_factory):
    """`cscore.evaluate`'s default kernel, built once for the forty cases (logging to a
    scratch file)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSCORE_DB", str(tmp_path_factory.mktemp("public") / "default.db"))
        patch.delenv("CSCORE_RULES_DIR", raising=False)
        patch.setattr(cscore, "_default", None)
        yield
        if cscore._default is not None:
            cscore._default.close()
        patch.setattr(cscore, "_default", None)


@pytest.mark.parametrize("case", ALL_PUBLIC, ids=[c["id"] for c in ALL_PUBLIC])
def test_every_public_case(case, default_kernel_once):
    """Every public case of every industry gives its expected fields through
    `cscore.evaluate`, and the trace cites every rule the case lists as its
    justification."""
    decision = cscore.evaluate(case)
    _assert_expected(case, decision.outcomes[case["kind"]])
    fired = {entry.rule for entry in decision.trace}
    assert set(case["rules"]) <= fired, sorted(set(case["rules"]) - fired)
