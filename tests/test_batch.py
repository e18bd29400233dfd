"""Kernel.evaluate_many: the same answers as one by one, in order, and a case that
cannot be decided holds its one-line error in its place without losing the others."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from sqlite_utils import Database

from cscore.cli import cli
from cscore.errors import CaseError
from cscore.kernel import Kernel
from cscore.models.decision import Decision

from .conftest import return_case

NOW = dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _with_id(case_id: str, **facts: object) -> dict:
    return {**return_case(**facts), "id": case_id}


def _public(public_cases: list[dict]) -> list[dict]:
    return [
        {key: value for key, value in case.items() if key != "expected"} for case in public_cases
    ]


def test_evaluate_many_answers_as_evaluate_does(kernel, public_cases, monkeypatch):
    """Every public case of every industry: the batch's decision equals the single one.
    The cases without ``as_of`` are decided at one fixed instant both ways (a second
    passing between the two would change what they decide)."""
    monkeypatch.setattr(kernel, "clock", lambda: NOW)  # (a kernel shared by tests)
    cases = _public(public_cases)
    one_by_one = [kernel.evaluate(case).to_json_dict() for case in cases]
    batch = kernel.evaluate_many(cases)
    assert [answer.to_json_dict() for answer in batch if isinstance(answer, Decision)] == one_by_one
    assert {case["industry"] for case in cases} >= {"ecommerce", "appliance_repair"}


def test_a_bad_case_keeps_its_place_and_the_others_are_decided(kernel):
    cases = [
        return_case(),
        {"industry": "nowhere", "facts": {}},
        "not json",
        {"industry": "ecommerce", "kinds": ["nope"], "facts": {}},
        return_case(request_date="2026-03-12"),
    ]
    answers = kernel.evaluate_many(cases)
    assert [type(a).__name__ for a in answers] == [
        "Decision",
        "CaseError",
        "CaseError",
        "CaseError",
        "Decision",
    ]
    assert isinstance(answers[1], CaseError) and "unknown industry 'nowhere'" in str(answers[1])
    assert answers[3].field == "kind"  # type: ignore[union-attr]
    assert answers[0].outcomes["return"]["decision"] == "return"  # type: ignore[union-attr]
    assert answers[4].outcomes["return"]["decision"] == "reject"  # type: ignore[union-attr]


def test_a_batch_is_logged_in_order_and_observed_once_each(tmp_path):
    seen: list[str] = []

    class Observer:
        from cscore.hookspecs import hookimpl

        @hookimpl
        def decision_made(self, case, decision):
            seen.append(decision.case_id)

    cases = [_with_id(f"B-{n}") for n in range(300)]
    cases.insert(7, {"industry": "nowhere", "facts": {}})
    with Kernel(db=tmp_path / "log.db", plugins=[Observer()]) as kernel:
        answers = kernel.evaluate_many(cases)
    assert len(answers) == 301
    assert seen == [f"B-{n}" for n in range(300)]
    rows = list(
        Database(tmp_path / "log.db").query("SELECT id, case_id FROM decisions ORDER BY id")
    )
    assert [row["case_id"] for row in rows] == seen
    assert [row["id"] for row in rows] == list(range(1, 301))


def test_cli_jsonl_prints_one_line_per_case_and_names_bad_lines(tmp_path):
    lines = [
        json.dumps(_with_id("J-1")),
        json.dumps({"industry": "nowhere", "facts": {}}),
        "",
        "{not json",
        json.dumps(_with_id("J-2", request_date="2026-03-12")),
    ]
    source = tmp_path / "cases.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "cli.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "evaluate", "--jsonl", str(source)])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row.get("case_id", row.get("line")) for row in out] == ["J-1", 2, 4, "J-2"]
    assert "unknown industry 'nowhere'" in out[1]["error"]
    assert out[2]["error"].startswith("case: is not valid JSON")
    assert out[3]["outcomes"]["return"]["decision"] == "reject"
    assert "2 line(s) could not be decided: 2, 4" in result.stderr
    assert Database(db)["decisions"].count == 2


def test_cli_jsonl_reads_standard_input(tmp_path):
    text = json.dumps(return_case()) + "\n"
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "x.db"), "evaluate", "--jsonl", "--no-log", "-"], input=text
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcomes"]["return"]["decision"] == "return"
