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
