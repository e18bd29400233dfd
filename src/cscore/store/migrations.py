"""The core schema of the decision log, as a sqlite-utils migration set.

Never edit a migration that has shipped: add the next one. Names are unique and
zero-padded; sqlite-utils records each applied name in ``_sqlite_migrations``.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

core = Migrations("cscore")


@core()
def m001_cases(db: Database) -> None:
    db.table("cases").create(
        {
            "case_id": str,
            "industry": str,
            "first_seen": str,
            "last_seen": str,
            "evaluations": int,
        },
        pk="case_id",
    )


@core()
def m002_decisions(db: Database) -> None:
    db.table("decisions").create(
        {
            "id": int,
            "case_id": str,
            "industry": str,
            "kinds": str,  # JSON list
            "decided_at": str,  # ISO-8601 +08:00
            "as_of": str,
            "duration_ms": float,
            "rules_version": str,
            "plugin_versions": str,  # JSON object: plugin -> version
            "outcomes": str,  # JSON object: kind -> outcome
            "warnings": str,  # JSON list
            "case_json": str,  # the case exactly as received
            "decision_json": str,  # the whole decision as answered
        },
        pk="id",
        foreign_keys=[("case_id", "cases", "case_id")],
    )
    db.table("decisions").create_index(["case_id"])
    db.table("decisions").create_index(["decided_at"])


@core()
def m003_rule_hits(db: Database) -> None:
    db.table("rule_hits").create(
        {
            "decision_id": int,
            "seq": int,
            "kind": str,
            "rule": str,
            "ruleset": str,
            "source": str,
            "set_json": str,  # what the rule set; the full entry is in decisions.decision_json
        },
        pk=("decision_id", "seq"),
        foreign_keys=[("decision_id", "decisions", "id")],
    )
    db.table("rule_hits").create_index(["rule"])


@core()
def m004_replayable(db: Database) -> None:
    """What a replay needs: the calendar data and the rule files each decision was made
    with. Rule file texts are kept once per content (sha256), and the set of files a
    decision's kernel had loaded once per distinct set; a decision names its set."""
    db.table("rule_files").create({"sha256": str, "path": str, "text": str}, pk="sha256")
    db.table("rule_file_sets").create(
        {"id": str, "files": str},  # JSON list of {root, name, path, sha256}
        pk="id",
    )
    db.table("decisions").add_column("calendar_version", str)
    db.table("decisions").add_column("rule_file_set", str)
    db.table("rule_hits").add_column("key", str)


@core()
def m005_hits_from_the_decision(db: Database) -> None:
    """Rule hits are read from each decision's JSON instead of being written as rows
    (a decision wrote ~10 of them, most of its log cost): ``rule_hits`` becomes a view
    with the same columns over ``decisions.decision_json``, which every decision —
    also those logged before — holds with its whole trace. Deleting from it (retention
    deletes a decision's hits with the decision) is a no-op: there is nothing to delete.
    ``decisions.industry`` is indexed: the CLI and the API filter on it."""
    db.execute("DROP TABLE rule_hits")
    db.execute(
        "CREATE VIEW rule_hits AS SELECT d.id AS decision_id, CAST(t.key AS INTEGER) AS seq,"
        " json_extract(t.value, '$.kind') AS kind, json_extract(t.value, '$.rule') AS rule,"
        " json_extract(t.value, '$.ruleset') AS ruleset,"
        " json_extract(t.value, '$.source') AS source,"
        " coalesce(json_extract(t.value, '$.set'), '{}') AS set_json,"
        " coalesce(json_extract(t.value, '$.key'), json_extract(t.value, '$.rule')) AS key"
        " FROM decisions d, json_each(d.decision_json, '$.trace') t"
    )
    db.execute("CREATE TRIGGER rule_hits_delete INSTEAD OF DELETE ON rule_hits BEGIN SELECT 1; END")
    db.table("decisions").create_index(["industry"], if_not_exists=True)


@core()
def m006_journals(db: Database) -> None:
    """How far SQLite has each journal (cscore.store.journal): its file name and the
    byte offset its last committed record ends at, updated in the same transaction as
    the rows, so that a journal recovered after a crash loads nothing twice."""
    db.table("journals").create({"name": str, "committed": int}, pk="name")
