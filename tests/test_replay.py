"""Replayable decisions: the log keeps the instant, calendar data and rule file texts a
decision was made with, and `cscore decisions replay` decides the case again with them."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

import cscore.kernel
from cscore.calendar import CHINA_TZ, HostCalendar
from cscore.cli import cli
from cscore.kernel import Kernel
from cscore.replay import ReplayError, replay_decision, replay_many
from cscore.store import DecisionStore

from .conftest import PUBLIC_CASES, return_case

ECOMMERCE = [
    c for c in json.loads(PUBLIC_CASES.read_text(encoding="utf-8")) if c["industry"] == "ecommerce"
]
FRIDAY_0930 = dt.datetime(2026, 3, 23, 9, 30, tzinfo=CHINA_TZ)  # PUB-ECOM-05's as_of


def _without_as_of(case: dict) -> dict:
    case = copy.deepcopy(case)
    case["facts"].pop("as_of", None)
    return case


def _replay(db, *args: str, rules_dir=None):
    options = ["--db", str(db)] + (["--rules-dir", str(rules_dir)] if rules_dir else [])
    return CliRunner().invoke(cli, [*options, "decisions", "replay", *args])


def test_every_public_case_replays_the_same_with_and_without_as_of(tmp_path):
    """Each public e-commerce case, logged once as given and once without as_of (decided
    at the kernel's clock), replays as "same" through the CLI."""
    db = tmp_path / "log.db"
    with Kernel(db=db, clock=lambda: FRIDAY_0930) as kernel:
        for case in ECOMMERCE:
            kernel.evaluate(case)
            kernel.evaluate(_without_as_of(case))
        logged = kernel.store.count()
    assert logged == 2 * len(ECOMMERCE) >= 20
    for decision_id in range(1, logged + 1):
        result = _replay(db, str(decision_id))
        assert result.exit_code == 0, result.output
        assert result.output.startswith("same (decision"), result.output


def test_the_public_cases_of_every_industry_replay_the_same(tmp_path):
    """All forty public cases, with and without as_of, replay as "same" against the rule
    files they were decided with (one replay kernel for the shared set of files)."""
    cases = json.loads(PUBLIC_CASES.read_text(encoding="utf-8"))
    db = tmp_path / "log.db"
    with Kernel(db=db, clock=lambda: FRIDAY_0930) as kernel:
        for case in cases:
            kernel.evaluate(case)
            kernel.evaluate(_without_as_of(case))
    store = DecisionStore(db, read_only=True)
    try:
        results = replay_many(store, range(1, 2 * len(cases) + 1))
    finally:
        store.close()
    assert len(results) == 80
    assert [r.decision_id for r in results if not r.same] == []


def test_the_instant_used_is_logged(tmp_path):
    """A case's own as_of is logged as given; without one, the clock's instant."""
    db = tmp_path / "log.db"
    case = next(c for c in ECOMMERCE if c["id"] == "PUB-ECOM-05")
    with Kernel(db=db, clock=lambda: FRIDAY_0930.replace(hour=8, microsecond=123)) as kernel:
        kernel.evaluate(case)
        kernel.evaluate(_without_as_of(case))
    rows = list(Database(db)["decisions"].rows)
    assert [r["as_of"] for r in rows] == [
        "2026-03-23T09:30:00+08:00",
        "2026-03-23T08:30:00+08:00",
    ]
    assert rows[0]["calendar_version"].startswith("chinese-calendar ")


def test_a_decision_made_now_replays_the_same_an_hour_later(tmp_path, monkeypatch):
    """PUB-ECOM-05 without as_of, decided at 09:30: first contact due 10:00, not breached.
    An hour later the same case is breached, yet its replay is "same": the replay decides
    at the logged instant, not at the (patched) system clock."""
    db = tmp_path / "log.db"
    case = _without_as_of(next(c for c in ECOMMERCE if c["id"] == "PUB-ECOM-05"))
    monkeypatch.setattr(cscore.kernel, "system_clock", lambda: FRIDAY_0930)
    with Kernel(db=db) as kernel:
        assert kernel.evaluate(case).outcomes["escalation"]["breached"] is False
    an_hour_later = FRIDAY_0930 + dt.timedelta(hours=1)
    monkeypatch.setattr(cscore.kernel, "system_clock", lambda: an_hour_later)
    with Kernel() as kernel:
        assert kernel.evaluate(case).outcomes["escalation"]["breached"] is True
    result = _replay(db, "1")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("same (decision 1 at 2026-03-23T09:30:00+08:00")


def test_replay_uses_the_logged_rule_texts_and_current_sees_the_edit(rules_copy, tmp_path):
    """After an edit (no-reason window 7 → 3 days) the logged texts still give "same";
    --current replays against the edited file and prints the fields that changed."""
    db = tmp_path / "log.db"
    with Kernel(rules_dir=rules_copy, db=db) as kernel:
        assert kernel.evaluate(return_case()).outcomes["return"]["decision"] == "return"
    path = rules_copy / "ecommerce" / "return.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  no_reason_days: 7 " in text
    path.write_text(text.replace("  no_reason_days: 7 ", "  no_reason_days: 3 "), "utf-8")

    same = _replay(db, "1", rules_dir=rules_copy)
    assert same.exit_code == 0, same.output
    assert "same" in same.output and "its logged rule files" in same.output

    changed = _replay(db, "1", "--current", rules_dir=rules_copy)
    assert changed.exit_code == 1, changed.output
    assert changed.output.startswith("different (decision 1")
    assert '  return.decision: logged "return", replayed "reject"' in changed.output
    assert '  return.return_deadline: logged "2026-03-09", replayed "2026-03-05"' in (
        changed.output
    )


def test_rule_texts_are_stored_once_per_version(rules_copy, tmp_path):
    """50 decisions write each file's text once; an edit adds one row for the new version
    and one file set, whatever the number of decisions after it."""
    db = tmp_path / "log.db"
    with Kernel(rules_dir=rules_copy, db=db) as kernel:
        for _ in range(50):
            kernel.evaluate(return_case())
        kernel.store.flush()  # another connection sees what the writer has loaded
        log = Database(db)
        first = {r["sha256"]: r for r in log["rule_files"].rows}
        (set_row,) = log["rule_file_sets"].rows
        files = json.loads(set_row["files"])
        assert len(first) == len({f["sha256"] for f in files}) == len(files) >= 10
        ref = next(f for f in files if f["name"] == "return.yaml" and f["root"] == "ecommerce")
        on_disk = (rules_copy / "ecommerce" / "return.yaml").read_text(encoding="utf-8")
        assert first[ref["sha256"]]["text"] == on_disk
        path = rules_copy / "ecommerce" / "fee.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        assert kernel.reload().ok
        fee_case = {**return_case(), "kind": "fee"}
        for _ in range(50):
            assert "fee" in kernel.evaluate(fee_case).outcomes
    assert log["rule_files"].count == len(first) + 1
    assert log["rule_file_sets"].count == 2
    ids = {r["rule_file_set"] for r in log["decisions"].rows}
    assert len(ids) == 2 and None not in ids


def test_replay_notes_other_plugin_and_calendar_versions(tmp_path):
    """A replay says when plugins or calendar data differ from when the case was decided
    (a possible reason for a difference)."""
    db = tmp_path / "log.db"
    with Kernel(db=db) as kernel:
        kernel.evaluate(return_case())
        store = kernel.store
        store.flush()  # in SQLite before it is edited underneath
        versions = {**kernel.plugin_versions, "cscore-ecommerce": "0.0.1"}
        store.db.execute(
            "UPDATE decisions SET plugin_versions = ?, calendar_version = ? WHERE id = 1",
            [json.dumps(versions), "chinese-calendar 0.9 (2004-2020)"],
        )
        store.db.conn.commit()
        result = replay_decision(store, 1)
    assert result.same
    assert any(n.startswith("plugin cscore-ecommerce: 0.0.1 when decided") for n in result.notes)
    assert any(n.startswith("calendar data: chinese-calendar 0.9") for n in result.notes)


def test_host_calendar_is_part_of_the_calendar_version(tmp_path):
    calendar = HostCalendar(authoritative_range=("2026-01-01", "2026-12-31"))
    with Kernel(db=tmp_path / "log.db", calendar=calendar) as kernel:
        kernel.evaluate(return_case())
        assert "; host sha256:" in kernel.calendar_version
    (row,) = Database(tmp_path / "log.db")["decisions"].rows
    assert row["calendar_version"] == kernel.calendar_version


def test_a_decision_that_cannot_be_replayed_says_why(tmp_path):
    """Unknown ids and rows logged before the log kept instants give one-line errors."""
    db = tmp_path / "log.db"
    with Kernel(db=db) as kernel:
        kernel.evaluate(return_case())
        with pytest.raises(ReplayError, match="no decision 9 in"):
            replay_decision(kernel.store, 9)
        kernel.store.db.execute("UPDATE decisions SET as_of = NULL")
        kernel.store.db.conn.commit()
    result = _replay(db, "1")
    assert result.exit_code == 1
    assert "logged without the instant it was decided at" in result.output
    assert "Traceback" not in result.output


def test_invalid_input_decisions_replay_too(tmp_path):
    db = tmp_path / "log.db"
    with Kernel(db=db) as kernel:
        decision = kernel.evaluate(return_case(goods_amount_paid=-1.0))
        assert decision.outcomes["return"]["decision"] == "invalid_input"
        assert replay_decision(kernel.store, 1).same


def test_the_calendar_version_names_loaded_calendar_files(rules_copy):
    """A year's notice loaded as a calendar file changes the logged calendar version, so a
    replay on a kernel without it reports that the calendar data differ."""
    from cscore.kernel import Kernel

    with Kernel(rules_dir=rules_copy) as kernel:
        before = kernel.calendar_version
    (rules_copy / "calendar").mkdir(exist_ok=True)
    (rules_copy / "calendar" / "2027.yaml").write_text(
        "source: test notice\nrest_days: [2027-01-01, 2027-02-05..2027-02-11]\n",
        encoding="utf-8",
    )
    with Kernel(rules_dir=rules_copy) as kernel:
        after = kernel.calendar_version
    assert before != after and "files sha256:" in after
