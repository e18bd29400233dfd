"""Every bad input of issue 8 gets the contract's answer (DESIGN.md §2.4), within a second:
a decision (invalid_input naming the field), a one-line CaseError naming the field, or
a one-line file:line rule-file error — never a traceback."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import cscore
from cscore.cli import cli
from cscore.engine.durable import _encode
from cscore.errors import CaseError, RuleLoadError, StoreError
from cscore.kernel import Kernel
from tests.conftest import return_case

FEE = {"courier_reachable": False, "goods_amount_paid": 50.0, "ship_to_province": "广东"}


def fee_case(**facts):
    return {"id": "T-F", "industry": "ecommerce", "kind": "fee", "facts": {**FEE, **facts}}


def answer(kernel, case):
    """The decision (as strict JSON) or the CaseError. The bound catches a hang or a
    runaway (a bad input answered in milliseconds, on a machine however busy), not a
    speed: speed is measured in benchmarks/."""
    started = time.perf_counter()
    try:
        result = kernel.evaluate(case).to_json_dict()
        json.dumps(result, allow_nan=False)
    except CaseError as exc:
        result = exc
    assert time.perf_counter() - started < 30.0
    return result


def invalid_fields(result) -> list[str]:
    assert not isinstance(result, Exception), result
    (outcome,) = result["outcomes"].values()
    assert outcome["decision"] == "invalid_input", outcome
    return outcome["invalid_fields"]


# -- facts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), float("-inf"), 1.7e308, -1e307, 1e306, 2e12]
)
def test_impossible_money_is_invalid_input_naming_the_field(kernel, value):
    result = answer(kernel, return_case(goods_amount_paid=value))
    assert invalid_fields(result) == ["goods_amount_paid"]
    assert result["trace"][0]["message"].startswith("goods_amount_paid: ")


def test_non_finite_money_in_json_text_is_invalid_input(kernel):
    text = json.dumps(fee_case(ems_quote=1.0)).replace("1.0", "Infinity")
    assert invalid_fields(answer(kernel, text)) == ["ems_quote"]


@pytest.mark.parametrize(
    ("fact", "value"),
    [
        ("paid_at", "9999-12-31T23:59:59-01:00"),  # leaves year 9999 at +08:00
        ("paid_at", "0001-01-01T00:00:00+09:00"),
        ("delivered_date", "9999-12-31"),  # would overflow add_days in the rules
        ("delivered_date", "0001-01-01"),
    ],
)
def test_dates_outside_the_calendar_are_invalid_input(kernel, fact, value):
    result = answer(kernel, return_case(**{fact: value}))
    assert fact in invalid_fields(result)
    assert "outside the dates cscore counts with" in result["trace"][0]["message"]


def test_an_enormous_quantity_is_answered_not_crashed(kernel):
    lines = [{"list_price": 10.0, "qty": 10**400, "returned": True}]
    error = answer(kernel, return_case(items=lines))
    assert isinstance(error, CaseError) and error.field == "facts.items.0.qty"
    lines[0]["qty"] = 10**30  # short enough to read, too many to count
    assert invalid_fields(answer(kernel, return_case(items=lines))) == ["items.0.qty"]


@pytest.mark.parametrize("amount", [1e-05, 1.5e-07, 5e-324])
def test_numbers_python_writes_with_an_exponent_reach_the_engine(kernel, amount):
    """durable's C parser refuses 1e-05 and 1e+16 (error 204) but reads 1.0e-05."""
    result = answer(kernel, fee_case(courier_reachable=True, goods_amount_paid=amount))
    assert result["outcomes"]["fee"]["shipping_fee"] == 10.0


def test_the_engine_encoding_gives_every_exponent_a_point():
    assert _encode({"a": 1e16, "b": 1e-05, "c": [5e-324], "d": "1e+16"}) == (
        '{"a":1.0e+16,"b":1.0e-05,"c":[5.0e-324],"d":"1e+16"}'
    )
    assert _encode({"a": 1.5, "b": "新疆"}) == '{"a":1.5,"b":"新疆"}'


def test_ten_thousand_unknown_facts_are_refused_quickly(kernel):
    case = return_case()
    case["facts"].update({f"unknown_fact_{i}": i for i in range(10_000)})
    error = answer(kernel, case)
    assert isinstance(error, CaseError) and error.field == "facts"


def test_unknown_fact_suggestions_are_bounded(kernel, monkeypatch):
    """A fuzzy search per unknown key would cost ~1 ms each: only the first few are
    searched, however many there are."""
    import cscore.models.unknown as unknown

    searched: list[str] = []
    real = unknown.did_you_mean

    def counting(name, known):
        searched.append(name)
        return real(name, known)

    monkeypatch.setattr(unknown, "did_you_mean", counting)
    case = return_case()
    case["facts"].update({f"order_chanel_{i}": i for i in range(900)})
    decision = kernel.evaluate(case)
    assert len(searched) == unknown.MAX_SUGGESTIONS
    suggested = [w for w in decision.warnings if "did you mean" in w]
    assert len(suggested) == 5
    assert "895 more unknown facts ignored" in decision.warnings


# -- envelopes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        (
            '{"industry":"ecommerce","facts":{"a":' + "[" * 1000 + "]" * 1000 + "}}",
            "case",
            "nested",
        ),
        ("[" * 100_000 + "]" * 100_000, "case", "nested"),
        ('{"industry":"ecommerce","facts":{"qty":' + "9" * 4301 + "}}", "case", "digits"),
        (b'{"industry":"ecommerce","facts":{"note":"\xff"}}', "case", "UTF-8"),
        ('{"industry":"ecommerce","facts":{"note":"\\ud800"}}', "facts.note", "surrogate"),
        ('{"industry":"ecommerce","facts":{}}' + " " * 50_000_000, "case", "characters"),
    ],
)
def test_malformed_envelopes_are_case_errors(kernel, raw, field, words):
    error = answer(kernel, raw)
    assert isinstance(error, CaseError) and error.field == field and words in str(error)


def test_facts_nested_hundreds_deep_are_a_case_error(kernel):
    deep: dict = {}
    for _ in range(500):
        deep = {"x": deep}
    error = answer(kernel, return_case(condition=deep))
    assert isinstance(error, CaseError) and error.field.startswith("facts.condition.x.x")


@pytest.mark.parametrize(("key", "value"), [("industry", "eco\nmerce"), ("kind", "re\r\nturn")])
def test_errors_are_one_line_with_controls_escaped(kernel, key, value):
    case = {"industry": "ecommerce", "facts": {}, key: value}
    error = answer(kernel, case)
    assert isinstance(error, CaseError) and "\n" not in str(error) and "\\n" in str(error)


def test_invalid_input_trace_names_no_internal_class(kernel):
    entry = answer(kernel, return_case(goods_amount_paid=-1.0))["trace"][0]
    assert entry["source"] == "ecommerce facts"
    assert "cscore_ecommerce" not in json.dumps(entry)


def test_cli_answers_a_non_utf8_file_in_one_line(tmp_path):
    case = tmp_path / "case.json"
    case.write_bytes(b'{"industry": "ecommerce", "facts": {"note": "\xff\xfe"}}')
    result = CliRunner().invoke(cli, ["evaluate", "--no-log", str(case)])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: case: is not UTF-8 text (invalid start byte)"


# -- rule files -------------------------------------------------------------------------

RULE = (
    "title: x\nkinds: [return]\nrules:\n"
    "  - id: X-1\n    when: {when}\n    set: {{decision: {value}}}\n"
)


def load_error(rules_copy: Path, name: str, text: str) -> str:
    (rules_copy / "ecommerce" / name).write_text(text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(RuleLoadError) as caught:
        Kernel(rules_dir=rules_copy)
    # Building a kernel on the whole rules folder takes ~0.5 s on a quiet machine; the
    # bound is there to catch a hang or runaway memory, not to benchmark.
    assert time.perf_counter() - started < 60.0
    message = str(caught.value)
    assert "\n" not in message and str(rules_copy) not in message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            RULE.format(when="(" * 150 + "true" + ")" * 150, value="return"),
            "x.yaml:5: rule X-1: nested",
        ),
        (RULE.format(when="not " * 500 + "true", value="return"), "x.yaml:5: rule X-1: nested"),
        (RULE.format(when="a" + " + a" * 2000, value="return"), "x.yaml:5: rule X-1: nested"),
        (RULE.format(when="!include other.yaml", value="return"), "x.yaml:5: YAML tag !include"),
        ("!include other.yaml\n", "x.yaml:1: YAML tag !include"),
        ("x: !!python/object:os.system ''\n", "x.yaml:1: YAML tag tag:yaml.org,2002:python"),
        (
            RULE.format(when="goods_amount_paid > " + "9" * 5001, value="return"),
            "x.yaml:5: rule X-1: a number of 5,001",
        ),
        (
            "title: x\nkinds: [return]\nconstants:\n  big: " + "9" * 5001 + "\n",
            "x.yaml:4: a number of 5,001",
        ),
        (
            "title: x\nkinds: [return]\nconstants:\n  c: " + "[" * 5000 + "]" * 5000 + "\n",
            "x.yaml:4: nested deeper",
        ),
        (RULE.format(when="true", value=".nan"), "x.yaml:6: .nan is not a finite number"),
        (RULE.format(when="true", value="-.inf"), "x.yaml:6: -.inf is not a finite number"),
        (RULE.format(when="true", value="1e999"), "x.yaml:6: 1e999 is not a finite number"),
    ],
)
def test_hostile_yaml_is_a_file_line_error(rules_copy, text, expected):
    assert load_error(rules_copy, "x.yaml", text).startswith(f"rules/ecommerce/{expected}")


def test_a_yaml_alias_bomb_stops_at_the_node_limit(rules_copy):
    text = "title: x\nkinds: [return]\nconstants:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    text += "".join(
        f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)
    )
    assert "values (aliases expanded)" in load_error(rules_copy, "x.yaml", text)


CSV = "# hit: first\nid,name,when courier_reachable,set shipping_fee,set carrier\n"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("ECOM-FEE-001,x," + "a" * 140_000 + ",0,standard", "fee.shipping.csv:3: CSV error"),
        (
            "ECOM-FEE-001,x,,nan,standard",
            "fee.shipping.csv:3: rule ECOM-FEE-001: set shipping_fee: nan",
        ),
        (
            "ECOM-FEE-001,x,,inf,standard",
            "fee.shipping.csv:3: rule ECOM-FEE-001: set shipping_fee: inf",
        ),
        (
            "ECOM-FEE-001,x,,1e999,standard",
            "fee.shipping.csv:3: rule ECOM-FEE-001: set shipping_fee: 1e999",
        ),
        (
            "ECOM-FEE-001,x,,9" + "9" * 5000 + ",standard",
            "fee.shipping.csv:3: rule ECOM-FEE-001: set shipping_fee: a number",
        ),
    ],
)
def test_hostile_decision_tables_are_file_line_errors(rules_copy, row, expected):
    message = load_error(rules_copy, "fee.shipping.csv", CSV + row + "\n")
    assert message.startswith(f"rules/ecommerce/{expected}")


def test_auto_reload_of_a_hostile_edit_keeps_serving(rules_copy):
    with Kernel(rules_dir=rules_copy, auto_reload=True, reload_interval=0) as kernel:
        (rules_copy / "ecommerce" / "x.yaml").write_text(
            RULE.format(when="(" * 300 + "true" + ")" * 300, value="return"), encoding="utf-8"
        )
        decision = kernel.evaluate(return_case())
        assert decision.outcomes["return"]["decision"] == "return"
        assert any("rules not reloaded" in w and "nested" in w for w in decision.warnings)


def test_traces_name_rule_files_relative_to_their_root(rules_copy):
    with Kernel(rules_dir=rules_copy) as kernel:
        trace = kernel.evaluate(return_case()).trace
    files = [e.source for e in trace if not e.source.startswith("calendar: ")]
    assert files and all(source.startswith("rules/ecommerce/") for source in files)
    assert not any(str(rules_copy) in e.source for e in trace)


# -- the decision log -------------------------------------------------------------------


def test_the_log_is_created_owner_only_and_reading_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CSCORE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    runner = CliRunner()
    listed = runner.invoke(cli, ["decisions", "list"])
    assert listed.exit_code == 0 and "no decision log at" in listed.output
    shown = runner.invoke(cli, ["decisions", "show", "1"])
    assert shown.exit_code == 1 and "no decision log at" in shown.output
    assert not list(tmp_path.rglob("*.db"))  # neither in the working folder nor elsewhere
    case = tmp_path / "case.json"
    case.write_text(json.dumps(return_case()), encoding="utf-8")
    assert runner.invoke(cli, ["evaluate", str(case)]).exit_code == 0
    log = tmp_path / "data" / "cscore" / "decisions.db"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert not (tmp_path / "cscore.db").exists()
    assert "decisions.db" in runner.invoke(cli, ["--help"]).output


def test_ignored_facts_are_not_stored(tmp_path):
    with Kernel(db=tmp_path / "log.db") as kernel:
        decision = kernel.evaluate(return_case(card_number="4111 1111 1111 1111"))
        assert any("card_number" in w for w in decision.warnings)
        record = kernel.store.get_decision(1)
    assert "card_number" not in record["case"]["facts"]
    assert record["case"]["facts"]["goods_amount_paid"] == 259.0


def test_prune_deletes_old_decisions_and_their_hits(tmp_path):
    db = tmp_path / "log.db"
    with Kernel(db=db) as kernel:
        for _ in range(3):
            kernel.evaluate(return_case())
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE decisions SET decided_at = '2020-01-01T00:00:00+08:00' WHERE id < 3")
        conn.execute("UPDATE cases SET last_seen = '2020-01-01T00:00:00+08:00'")
    result = CliRunner().invoke(cli, ["--db", str(db), "decisions", "prune", "--older-than", "30d"])
    assert result.exit_code == 0, result.output
    assert "pruned 2 decisions older than 30d" in result.output and "1 left" in result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT DISTINCT decision_id FROM rule_hits").fetchall() == [(3,)]
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    bad = CliRunner().invoke(cli, ["--db", str(db), "decisions", "prune", "--older-than", "soon"])
    assert bad.exit_code == 2 and "not like 30d" in bad.output


def test_prune_goes_by_when_each_was_decided_not_by_id(tmp_path):
    """A decision recovered from a crashed process's journal is loaded with an id above
    newer ones: pruning deletes the old one and keeps the newer ones below it."""
    db = tmp_path / "log.db"
    with Kernel(db=db) as kernel:
        for n in range(3):
            kernel.evaluate({**return_case(), "id": f"P-{n}"})
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE decisions SET decided_at = '2020-01-01T00:00:00+08:00' WHERE id = 3")
    with Kernel(db=db) as kernel:
        assert kernel.store.prune("30d") == 1
        left = [row["case_id"] for row in kernel.store.list_decisions()]
    assert sorted(left) == ["P-0", "P-1"]


def test_retention_in_configuration_prunes_at_opening(tmp_path, monkeypatch):
    db = tmp_path / "log.db"
    with Kernel(db=db) as kernel:
        kernel.evaluate(return_case())
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE decisions SET decided_at = '2020-01-01T00:00:00+08:00'")
    monkeypatch.setenv("CSCORE_DB_RETENTION", "90d")
    with Kernel(db=db) as kernel:
        assert kernel.store.count() == 0


def _locked(db: Path) -> sqlite3.Connection:
    """Another writer holding the log's write lock."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO cases VALUES ('HALF', 'x', 'now', 'now', 1)")
    return other


def _held_after_one(kernel: Kernel, db: Path) -> tuple[tuple[int, int, int], sqlite3.Connection]:
    """One decision in SQLite (flushed: the loader would take it in milliseconds), then
    another writer holding the log's lock: the log's counts before, and that writer."""
    kernel.evaluate(return_case())
    assert kernel.store is not None
    kernel.store.flush()
    before = _counts(db)
    return before, _locked(db)


def _counts(db: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("cases", "decisions", "rule_hits")
        )


def _logged(db: Path, count: int) -> int:
    """The decisions in the log once the writer thread has ``count`` (or 10 s passed)."""
    deadline = time.monotonic() + 10
    while _counts(db)[1] < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return _counts(db)[1]


def test_a_busy_log_delays_the_log_not_the_hosts_decision(tmp_path):
    """Another writer holds the log's lock: evaluate returns its decision with no warning
    (it is journaled: durable); evaluate_logged, which needs the id, warns within its
    busy timeout; both decisions are in the log once the other writer lets go."""
    db = tmp_path / "log.db"
    with Kernel(db=db) as kernel:
        before, other = _held_after_one(kernel, db)
        started = time.perf_counter()
        decision = kernel.evaluate(return_case())
        assert time.perf_counter() - started < 4.0
        assert decision.outcomes["return"]["decision"] == "return"
        assert "not logged" not in " ".join(decision.warnings)
        assert "not yet in the decision log" not in " ".join(decision.warnings)
        started = time.perf_counter()
        logged, decision_id = kernel.evaluate_logged(return_case())
        # A short busy timeout, not SQLite's 5 s: told apart with room for a busy machine.
        assert time.perf_counter() - started < 4.0
        assert decision_id is None
        assert logged.outcomes["return"]["decision"] == "return"
        assert any("not yet in the decision log" in w and "locked" in w for w in logged.warnings)
        assert _counts(db) == before  # nothing half-written while the other holds the lock
        other.rollback()
        other.close()
        assert _logged(db, before[1] + 2) == before[1] + 2  # the writer loaded both
        assert _counts(db)[0] == before[0]  # the other's row rolled back, ours the same case
        later, later_id = kernel.evaluate_logged(return_case())
        assert "not yet in the decision log" not in " ".join(later.warnings)
        assert later_id == before[1] + 3
        assert _counts(db)[1] == before[1] + 3


def test_a_busy_log_raises_when_configured_and_carries_the_decision(tmp_path):
    db = tmp_path / "log.db"
    with Kernel(db=db, on_log_failure="raise") as kernel:
        before, other = _held_after_one(kernel, db)
        kernel.evaluate(return_case())  # journaled: durable, nothing to raise
        with pytest.raises(StoreError, match="not yet in the decision log") as caught:
            kernel.evaluate_logged(return_case())
        assert _counts(db) == before
        other.rollback()
        other.close()
    assert caught.value.decision.outcomes["return"]["decision"] == "return"
    assert _counts(db)[1] == before[1] + 2  # both journaled decisions, once it was free


def test_a_busy_log_without_a_journal_warns_and_logs_nothing(tmp_path):
    """``log_journal=False``: each evaluation waits for its commit, as before the journal."""
    db = tmp_path / "log.db"
    with Kernel(db=db, log_journal=False) as kernel:
        kernel.evaluate(return_case())
        before = _counts(db)
        other = _locked(db)
        started = time.perf_counter()
        decision = kernel.evaluate(return_case())
        assert time.perf_counter() - started < 4.0
        assert decision.outcomes["return"]["decision"] == "return"
        assert any("decision not logged" in w and "locked" in w for w in decision.warnings)
        other.rollback()
        other.close()
        assert _counts(db) == before  # nothing half-written, the other's row rolled back
        assert "decision not logged" not in " ".join(kernel.evaluate(return_case()).warnings)
        assert _counts(db)[1] == before[1] + 1


def test_the_default_kernel_writes_no_file_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CSCORE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(cscore, "_default", None)
    try:
        cscore.evaluate(return_case())
    finally:
        if cscore._default is not None:
            cscore._default.close()
        monkeypatch.setattr(cscore, "_default", None)
    assert os.listdir(tmp_path) == ["data"]
    assert (tmp_path / "data" / "cscore" / "decisions.db").is_file()


def test_every_public_case_passes_the_quick_limits_pass() -> None:
    """The limits are checked in one quick pass (C loops over each container); only an
    envelope that fails it is walked again to name the field. Every case a host sends
    in earnest takes the quick pass, and what it refuses the walk refuses too."""
    from cscore.boundary.envelope import _within_limits, check_values

    cases = json.loads((Path(__file__).parent / "data" / "cases_public.json").read_text())
    for case in cases:
        assert _within_limits(case), case.get("id")
    refused = [
        {"facts": {"x": "a" * 100_001}},
        {"facts": {"n": 10**101}},
        {"facts": {"nested": _nested_lists(40)}},
        {"facts": {1: "key not a string"}},
        {"facts": {"bad": "\ud800"}},
    ]
    for raw in refused:
        assert not _within_limits(raw)
        with pytest.raises(CaseError):
            check_values(raw)


def _nested_lists(depth: int) -> list[object]:
    nested: list[object] = [1]
    for _ in range(depth):
        nested = [nested]
    return nested
