"""The decision log: schema by migrations, WAL, one transaction per decision."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlite_utils import Database

from cscore.kernel import Kernel
from cscore.store import DecisionStore

from .conftest import return_case

EXPECTED_COLUMNS = {
    "cases": {
        "case_id": str,
        "industry": str,
        "first_seen": str,
        "last_seen": str,
        "evaluations": int,
    },
    "decisions": {
        "id": int,
        "case_id": str,
        "industry": str,
        "kinds": str,
        "decided_at": str,
        "as_of": str,
        "duration_ms": float,
        "rules_version": str,
        "plugin_versions": str,
        "outcomes": str,
        "warnings": str,
        "case_json": str,
        "decision_json": str,
        "calendar_version": str,
        "rule_file_set": str,
    },
    "rule_files": {"sha256": str, "path": str, "text": str},
    "rule_file_sets": {"id": str, "files": str},
    "journals": {"name": str, "committed": int},
}
HIT_COLUMNS = ["decision_id", "seq", "kind", "rule", "ruleset", "source", "set_json", "key"]


def test_migrations_create_the_schema_once(tmp_path):
    """A blank file gets the core tables; opening it again applies nothing twice."""
    path = tmp_path / "log.db"
    DecisionStore(path).close()
    DecisionStore(path).close()
    db = Database(path)
    for table, columns in EXPECTED_COLUMNS.items():
        assert db[table].columns_dict == columns, table
    # Rule hits are a view over each decision's JSON (m005), with the columns they had.
    assert "rule_hits" in db.view_names()
    assert list(db["rule_hits"].columns_dict) == HIT_COLUMNS
    applied = [row["name"] for row in db["_sqlite_migrations"].rows]
    assert applied == [
        "m001_cases",
        "m002_decisions",
        "m003_rule_hits",
        "m004_replayable",
        "m005_hits_from_the_decision",
        "m006_journals",
    ]
    assert db.journal_mode == "wal"
    assert ["industry"] in [index.columns for index in db["decisions"].indexes]


def test_a_decision_is_logged_with_its_case_and_rule_hits(tmp_path):
    """The log holds the case as received, the decision as answered, and one row per hit."""
    with Kernel(db=tmp_path / "log.db") as kernel:
        decision = kernel.evaluate(return_case())
        record = kernel.store.get_decision(1)
    assert record["case"]["facts"]["delivered_date"] == "2026-03-02"
    assert record["decision"] == decision.to_log_dict()  # all but the explanation
    assert "explanation" not in record["decision"] and decision.explanation is not None
    assert "ecommerce" in json.dumps(record["plugin_versions"])
    db = Database(tmp_path / "log.db")
    hits = list(db["rule_hits"].rows_where("decision_id = 1", order_by="seq"))
    assert [h["rule"] for h in hits] == [e.rule for e in decision.trace]
    assert db["cases"].get("T-1")["evaluations"] == 1
    # written as UTF-8 bytes cast to text: text columns, as a reader expects
    types = db.execute("SELECT typeof(case_json), typeof(decision_json) FROM decisions")
    assert types.fetchall() == [("text", "text")]


def test_a_batch_is_logged_as_text_too(tmp_path):
    with Kernel(db=tmp_path / "log.db") as kernel:
        kernel.evaluate_many([{**return_case(), "id": f"B-{n}"} for n in range(40)])
    db = Database(tmp_path / "log.db")
    types = db.execute("SELECT DISTINCT typeof(case_json), typeof(decision_json) FROM decisions")
    assert types.fetchall() == [("text", "text")]
    assert (
        db.execute("SELECT count(*) FROM decisions WHERE case_json LIKE '%B-%'").fetchone()[0] == 40
    )


def test_repeated_case_counts_evaluations(tmp_path):
    """Evaluating the same case id twice keeps both decisions and counts two evaluations."""
    with Kernel(db=tmp_path / "log.db") as kernel:
        kernel.evaluate(return_case())
        kernel.evaluate(return_case(request_date="2026-03-12"))
        rows = kernel.store.list_decisions(case_id="T-1")
    assert [r["outcomes"]["return"]["decision"] for r in rows] == ["reject", "return"]
    assert Database(tmp_path / "log.db")["cases"].get("T-1")["evaluations"] == 2


@pytest.mark.parametrize("journal", [False, True])
def test_nothing_is_half_written(tmp_path, monkeypatch, journal):
    """If writing the decision fails after its case row was written (alone or in a
    batch), neither the decision nor the case row remains. Without a journal the
    decisions are not logged; journaled, they stay in the journal and reach the log once
    it can be written again."""
    store = DecisionStore(tmp_path / "log.db", journal=journal)
    store.spawn_loader = False  # the store's own loads are the ones that fail here
    with Kernel() as kernel:
        decision = kernel.evaluate(return_case())

    class FailingHits:  # the connection, except that writing a decision fails
        def __init__(self, conn):
            self._conn = conn

        def __getattr__(self, name):
            return getattr(self._conn, name)

        def execute(self, sql, *args, **kwargs):
            if sql.startswith("INSERT INTO decisions"):
                raise sqlite3.OperationalError("disk I/O error")
            return self._conn.execute(sql, *args, **kwargs)

        def executemany(self, sql, *args, **kwargs):
            if sql.startswith("INSERT INTO decisions"):
                raise sqlite3.OperationalError("disk I/O error")
            return self._conn.executemany(sql, *args, **kwargs)

    monkeypatch.setattr(store.db, "conn", FailingHits(store.db.conn))
    from cscore.errors import StoreError

    failed = "decision journaled, not yet in the decision log" if journal else "decision not logged"
    with pytest.raises(StoreError, match=failed):
        store.record({"id": "T-1"}, decision, plugin_versions={}, duration_ms=1.0, as_of=None)
    tickets = [
        store.submit({"id": f"B-{n}"}, decision, plugin_versions={}, duration_ms=1.0, as_of=None)
        for n in range(3)
    ]
    if journal:  # durable once journaled: nothing to wait for, nothing failed
        assert all(ticket.done and ticket.error is None for ticket in tickets)
    else:
        with pytest.raises(StoreError, match=failed):
            tickets[0].wait()
        assert all(ticket.done and ticket.error for ticket in tickets)
    assert store.count() == 0  # journaled: the store's load of its journal failed whole
    assert store.db.execute("select count(*) from cases").fetchone()[0] == 0
    monkeypatch.undo()  # the log can be written again
    if journal:
        assert store.count() == 4  # T-1 and the batch: nothing journaled was lost
    else:
        assert store.count() == 0
    store.close()


def test_unopenable_database_is_a_store_error(tmp_path):
    """A path that cannot hold a database gives a one-line StoreError."""
    from cscore.errors import StoreError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open the decision log"):
        DecisionStore(blocker / "log.db")


def test_memory_database_for_tests():
    """':memory:' works, for tests and throwaway kernels."""
    with Kernel(db=":memory:") as kernel:
        kernel.evaluate(return_case())
        assert kernel.store.count() == 1
