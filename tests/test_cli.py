"""The command line: one-line errors and exit 1 for bad input, PASS/FAIL per rule case."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from cscore.cli import cli

from .conftest import return_case


@pytest.fixture
def run(tmp_path):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, ["--db", str(tmp_path / "cli.db"), *args], input=input)

    return invoke


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(return_case(), ensure_ascii=False), encoding="utf-8")
    return path


def test_evaluate_prints_the_decision_json(run, case_file):
    """`cscore evaluate CASE.json` prints the decision as JSON and logs it."""
    result = run("evaluate", str(case_file))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["outcomes"]["return"]["decision"] == "return"
    listed = run("decisions", "list")
    assert "T-1" in listed.output and "return: decision=return" in listed.output


def test_evaluate_reads_standard_input(run):
    """`-` reads the case from standard input."""
    result = run("evaluate", "-", input=json.dumps(return_case()))
    assert result.exit_code == 0
    assert json.loads(result.output)["case_id"] == "T-1"


def test_explain_shows_rules_files_lines_and_values(run, case_file):
    """--explain prints, per kind, each rule with its key (the catalog id, and its place
    among the rules of that id: the third ECOM-RET-001 of return.yaml), name, file:line
    and matched values."""
    result = run("evaluate", str(case_file), "--explain")
    assert result.exit_code == 0
    assert "[return]" in result.output
    assert "ECOM-RET-001#3 七日无理由退货  (rules/ecommerce/return.yaml:" in result.output
    assert (
        "matched: no_reason_claim=true, order_channel=online, request_date=2026-03-06"
        in result.output
    )
    assert "decision: return" in result.output


def test_explain_marks_overridden_conclusions(run, tmp_path):
    """The deciding rule says which rules it beat; with --all, a rule that lost to a
    higher priority says which keys it did not decide."""
    path = tmp_path / "late.json"
    path.write_text(
        json.dumps(return_case(return_exclusion="custom_made", request_date="2026-03-12"))
    )
    result = run("evaluate", str(path), "--explain")
    assert "beat: ECOM-RET-002" in result.output
    assert "overridden by a higher-priority rule" not in result.output  # it decided nothing
    result = run("evaluate", str(path), "--explain", "--all")
    assert "overridden by a higher-priority rule: decision, reason" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "Error: case: is not valid JSON: line 1 column 2"),
        ('{"industry": "bank", "facts": {}}', "Error: industry: unknown industry 'bank'"),
    ],
    ids=["malformed", "unknown-industry"],
)
def test_bad_case_is_one_line_and_exit_1(run, text, message):
    """Bad input is answered with one line on stderr and exit status 1, no traceback."""
    result = run("evaluate", "-", input=text)
    assert result.exit_code == 1
    assert result.output.strip().startswith(message)
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_decisions_show_prints_case_and_decision(run, case_file):
    """`cscore decisions show ID` gives the logged case and decision."""
    run("evaluate", str(case_file))
    shown = json.loads(run("decisions", "show", "1").output)
    assert shown["case"]["id"] == "T-1"
    assert shown["decision"]["outcomes"]["return"]["decision"] == "return"
    missing = run("decisions", "show", "99")
    assert missing.exit_code == 1 and "no decision 99" in missing.output


def test_rules_check_ok(run):
    """`cscore rules check` compiles every rule set and says so."""
    result = run("rules", "check")
    assert result.exit_code == 0
    assert result.output.startswith("OK: ")


def test_rules_check_reports_file_and_line(run, rules_copy):
    """A broken rule file: exit 1 and the error with file:line."""
    path = rules_copy / "ecommerce" / "return.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "order_channel == offline_store", "order_chanel == offline_store"
        )
    )
    result = run("rules", "check", str(rules_copy))
    assert result.exit_code == 1
    assert "return.yaml:" in result.output
    assert "unknown fact 'order_chanel' (did you mean 'order_channel'?)" in result.output


def test_rules_test_passes_on_the_default_rules(run):
    """`cscore rules test` runs every cases file: PASS lines and a summary, exit 0."""
    result = run("rules", "test")
    assert result.exit_code == 0, result.output
    assert "PASS  ecommerce.return › 第8天 超过七日" in result.output
    assert result.output.strip().splitlines()[-1].startswith("PASS: ")


def test_rules_test_shows_which_cases_changed(run, rules_copy):
    """After a business edit, the failing cases say expected vs got, and exit is 1."""
    path = rules_copy / "ecommerce" / "return.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("no_reason_days: 7 ", "no_reason_days: 8 ")
    )
    result = run("rules", "test", str(rules_copy / "ecommerce" / "return.cases.yaml"))
    assert result.exit_code == 1
    assert "FAIL  ecommerce.return › 第8天 超过七日" in result.output
    assert "return.decision: expected 'reject', got 'return'" in result.output
    assert result.output.strip().splitlines()[-1].startswith("FAIL: ")


def test_plugins_lists_versions_and_hooks(run):
    """`cscore plugins` names each plugin, its version and hooks."""
    plugins = json.loads(run("plugins").output)
    ecommerce = next(p for p in plugins if p["name"] == "ecommerce")
    assert ecommerce["distribution"] == "cscore-ecommerce" and ecommerce["version"] == "0.1.0"
    assert set(ecommerce["hooks"]) >= {"register_industries", "enrich_case"}
    assert any(p["name"] == "cscore.default_plugins.durable_engine" for p in plugins)


def test_functions_lists_the_calendar_functions(run):
    """`cscore functions` documents what rule files may call."""
    output = run("functions").output
    assert "add_working_days(date, whole number) → date" in output
    assert "COMMON-CAL-004" in output


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, prefix + name + " "))
    return found


@pytest.mark.parametrize("name,command", _commands(cli), ids=[n for n, _ in _commands(cli)])
def test_every_command_has_help(name, command):
    """Every command documents itself."""
    assert command.help and len(command.help.strip()) > 10
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_calendar_shows_a_provisional_year_and_where_each_day_comes_from(run):
    """`cscore calendar 2027`: the statutory rest days, the 第六条 make-ups, the warning."""
    result = run("calendar", "2027")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2027: statutory rule (全国年节及纪念日放假办法")
    assert "2027-02-05 Fri rest    春节 除夕 (第二条)" in lines
    assert "2027-02-09 Tue rest    第六条 make-up for 春节 初一 on Saturday" in lines
    assert "2027-02-10 Wed rest    第六条 make-up for 春节 初二 on Sunday" in lines
    assert "2027-09-15 Wed rest    中秋节 (第二条)" in lines
    assert not any(" working " in line for line in lines)  # no 调休 assumed
    assert lines[-1].startswith("warning: calendar for 2027 is provisional")


def test_calendar_shows_the_official_table(run):
    result = run("calendar", "2026")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2026: official table (chinese-calendar")
    assert "2026-10-10 Sat working 调休 working day for 国庆节 (official table)" in result.output
    assert "2026-10-07 Wed rest    国庆节 (official table)" in result.output
    assert "warning" not in result.output


def test_calendar_shows_a_loaded_file_with_its_lines(run, tmp_path):
    folder = tmp_path / "rules" / "calendar"
    folder.mkdir(parents=True)
    (folder / "2027.yaml").write_text(
        "source: 国务院办公厅通知\nrest_days:\n  - 2027-01-01\nworking_days: [2027-02-20]\n",
        encoding="utf-8",
    )
    result = run("--rules-dir", str(tmp_path / "rules"), "calendar", "2027")
    assert result.exit_code == 0, result.output
    shown = "rules/calendar/2027.yaml"  # the folder's own name: no server paths
    assert result.output.splitlines() == [
        f"2027: {shown} (国务院办公厅通知)",
        f"2027-01-01 Fri rest    loaded file {shown}:3",
        f"2027-02-20 Sat working loaded file {shown}:4",
    ]


def test_calendar_of_a_broken_file_is_a_one_line_error(run, tmp_path):
    folder = tmp_path / "rules" / "calendar"
    folder.mkdir(parents=True)
    (folder / "2027.yaml").write_text("source: x\nrest_days: [2027-02-30]\n", encoding="utf-8")
    result = run("--rules-dir", str(tmp_path / "rules"), "calendar", "2027")
    assert result.exit_code == 1
    assert result.output.strip().endswith(
        "calendar/2027.yaml:2: rest_days: '2027-02-30' is not a date (write YYYY-MM-DD)"
    )
    assert "Traceback" not in result.output


def test_calendar_beyond_the_statutory_range_says_mon_to_fri(run):
    result = run("calendar", "2100")
    assert result.exit_code == 0
    assert "working days are assumed Mon–Fri" in result.output


def test_evaluating_without_a_log_does_not_load_sqlite_utils(tmp_path):
    """The CLI's start is most of its cost: `evaluate --no-log` (and a kernel without a
    log) leave the store's SQLite library unloaded (it is imported when a log opens)."""
    import subprocess
    import sys

    case = tmp_path / "case.json"
    case.write_text(json.dumps(return_case()), encoding="utf-8")
    script = (
        "import sys\n"
        "from cscore.cli import cli\n"
        "try:\n"
        f"    cli(['evaluate', '--no-log', {str(case)!r}])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print('sqlite_utils' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stdout.strip().splitlines()[-1] == "False"
