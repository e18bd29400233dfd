"""The decision log: every decision, whole or not at all, in one SQLite file.

One connection per store, guarded by a lock (sqlite3 objects must not be used by two
threads at once), WAL so readers (``cscore decisions list``) never block the writer.
Decisions waiting to be written are committed together in one transaction (group
commit, :mod:`cscore.store.writer`); :meth:`DecisionStore.record` returns once its
decision is committed, or, with ``wait=False``, once it is queued.
Each decision is serialised once (:mod:`cscore.store.logrow`), its outcomes, warnings
and kinds columns with it, and its rule hits are a view over its JSON.
WAL checkpoints run on their own thread (:mod:`cscore.store.checkpoint`).

The file is created owner-only (0600: it holds customers' cases), readers open it
read-only and never create it, a writer waits at most ``busy_timeout`` seconds for
another writer's lock, and ``retention`` deletes decisions older than that age.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations

from cscore.calendar import CHINA_TZ
from cscore.errors import StoreError
from cscore.jsonvalues import as_received
from cscore.models.decision import Decision
from cscore.rulebook.snapshot import RuleSnapshot
from cscore.store.checkpoint import Checkpointer
from cscore.store.logrow import LogColumns, log_columns
from cscore.store.migrations import core
from cscore.store.writer import GroupCommit, Ticket

_UPSERT_CASE = (
    "INSERT INTO cases (case_id, industry, first_seen, last_seen, evaluations)"
    " VALUES (?, ?, ?, ?, 1) ON CONFLICT(case_id) DO UPDATE SET"
    " last_seen = excluded.last_seen, evaluations = evaluations + 1"
)
# The columns in the table's order; kinds, outcomes and warnings are pieces of the
# decision's JSON, serialised with it (cscore.store.logrow).
_INSERT_DECISION = (
    "INSERT INTO decisions (id, case_id, industry, kinds, decided_at, as_of, duration_ms,"
    " rules_version, plugin_versions, outcomes, warnings, case_json, decision_json,"
    " calendar_version, rule_file_set) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_LAST_ID = "SELECT coalesce(max(id), 0) FROM decisions"
_INSERT_FILE = "INSERT OR IGNORE INTO rule_files (sha256, path, text) VALUES (?, ?, ?)"
_INSERT_SET = "INSERT OR IGNORE INTO rule_file_sets (id, files) VALUES (?, ?)"


# A new log's pages: a commit writes each page it touches whole into the WAL (the row's
# page and its overflow, three index pages, the case's), and a decision touches ~7, so
# smaller pages mean fewer bytes per commit: 2 KiB was ~15 % quicker per logged decision
# than SQLite's 4 KiB, and 1 KiB no quicker again. An existing log keeps its size.
PAGE_SIZE = 2048

# Retention is checked at opening and then once every this many decisions.
PRUNE_EVERY = 1_000
_AGE = re.compile(r"^\s*(\d+)\s*([dhmw])\s*$")
_AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def default_db_path() -> Path:
    """Where the log is when no path is given: ``$CSCORE_DB``, else the user's data
    folder (``$XDG_DATA_HOME/cscore/decisions.db``, ``~/.local/share/cscore/…``) —
    never the folder a command happens to run in."""
    explicit = os.environ.get("CSCORE_DB")
    if explicit:
        return Path(explicit)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "cscore" / "decisions.db"


def parse_age(text: str | dt.timedelta) -> dt.timedelta:
    """``"30d"``, ``"12h"``, ``"90m"``, ``"4w"`` as a time span; ValueError otherwise."""
    if isinstance(text, dt.timedelta):
        return text
    match = _AGE.match(text)
    if match is None:
        raise ValueError(f"age {text!r} is not like 30d, 12h, 90m or 4w")
    return dt.timedelta(**{_AGE_UNITS[match.group(2)]: int(match.group(1))})


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _received(value: Any) -> Any:
    """A value JSON has no form for, as :func:`cscore.jsonvalues.as_received` makes it
    (the encoder asks only for those: dates, and what is shown as its repr)."""
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


_encode_case = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_received).encode


def case_json(case: dict[str, Any]) -> str:
    """The case as received: ``as_received`` and then JSON, in one pass of the C encoder
    instead of a walk in Python. A key it refuses (a date) takes the long way; the one
    difference left is a ``True``/``None`` key, written ``true``/``null`` (JSON's names)
    rather than as Python's."""
    try:
        return _encode_case(case)
    except TypeError:
        return _dumps(as_received(case))


def _create_private(path: Path) -> bool:
    """Create the file 0600 before SQLite opens it (SQLite gives its -wal and -shm files
    the database's permissions); an existing file is left as it is. Whether it is new."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    return True


class DecisionStore:
    """The decision log of one SQLite file (or ``":memory:"``).

    :param wait: ``True`` (default): :meth:`record` returns once the decision is
        committed (it survives the process being killed). ``False``: it returns as soon
        as the decision is queued; a crash may lose what was queued and not yet
        committed (a writer thread commits continuously; :meth:`close` and
        :meth:`flush` wait for it).
    """

    def __init__(
        self,
        path: str | Path,
        migration_sets: Iterable[Migrations] = (),
        *,
        wait: bool = True,
        read_only: bool = False,
        busy_timeout: float = 0.5,
        retention: str | dt.timedelta | None = None,
    ) -> None:
        self.path = str(path)
        self.wait = wait
        self.read_only = read_only
        self.busy_timeout = busy_timeout
        self.retention = parse_age(retention) if retention is not None else None
        self._since_prune = 0
        self._lock = threading.Lock()
        self._stored_sets: set[str] = set()  # rule file sets known to be in the file
        self._versions: tuple[dict[str, str], str] | None = None  # plugin versions, as JSON
        if read_only:
            self._open_read_only()
            return
        try:
            new = self.path != ":memory:" and _create_private(Path(self.path))
            connection = sqlite3.connect(self.path, check_same_thread=False, timeout=busy_timeout)
            self.db = Database(connection)
            if new:  # only an empty file takes a page size (before WAL, before any table)
                self.db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            if self.path != ":memory:":
                self.db.enable_wal()
                # WAL + NORMAL: a crash may lose the last decisions, never corrupt the file.
                self.db.execute("PRAGMA synchronous=NORMAL")
                # Checkpoints run on their own thread, not inside a decision's commit.
                self.db.execute("PRAGMA wal_autocheckpoint=0")
            self.db.execute("PRAGMA foreign_keys=ON")
            sets = [core, *(s for s in migration_sets if s is not core)]
            for migrations in sets:
                migrations.apply(self.db)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the decision log {self.path}: {exc}") from None
        self._checkpointer: Checkpointer | None = (
            Checkpointer(self.path) if self.path != ":memory:" else None
        )
        self._writer: GroupCommit | None = GroupCommit(
            self._write_batch,
            after_commit=self._checkpointer.committed if self._checkpointer else None,
            background=not wait,  # nobody waits to lead the commits: a thread does
        )
        if self.retention is not None:
            self._prune_quietly()

    def _open_read_only(self) -> None:
        if self.path == ":memory:" or not Path(self.path).is_file():
            raise StoreError(f"no decision log at {self.path}")
        try:
            uri = f"{Path(self.path).resolve().as_uri()}?mode=ro"
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=2.0)
            self.db = Database(connection)
            self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the decision log {self.path}: {exc}") from None
        self._checkpointer = None
        self._writer = None  # a reader writes nothing

    def record(
        self,
        case: dict[str, Any],
        decision: Decision,
        *,
        plugin_versions: dict[str, str],
        duration_ms: float,
        as_of: str | None,
        calendar_version: str | None = None,
        rule_files: RuleSnapshot | None = None,
    ) -> int:
        """Log one decision with its case in one transaction; its id (0 when the store
        does not wait: the id is known once the writer commits it).

        ``as_of`` is the instant the decision was evaluated at (the case's, or the
        kernel's clock when the case gave none); ``rule_files`` the files it was decided
        with, whose texts are written the first time their set is seen."""
        ticket = self.submit(
            case,
            decision,
            plugin_versions=plugin_versions,
            duration_ms=duration_ms,
            as_of=as_of,
            calendar_version=calendar_version,
            rule_files=rule_files,
        )
        return ticket.wait() if self.wait else 0

    def submit(
        self,
        case: dict[str, Any],
        decision: Decision,
        *,
        plugin_versions: dict[str, str],
        duration_ms: float,
        as_of: str | None,
        calendar_version: str | None = None,
        rule_files: RuleSnapshot | None = None,
        columns: LogColumns | None = None,
    ) -> Ticket:
        """Queue one decision; ``ticket.wait()`` commits it (with whatever else is
        queued, in one transaction) and returns its id. A waiting store commits only
        when someone waits, flushes or closes; one that does not wait, on its thread.
        ``columns``: the decision's :func:`~cscore.store.logrow.log_columns`, when they
        were made already (by a pool worker, :mod:`cscore.pool`)."""
        now = dt.datetime.now(CHINA_TZ).isoformat(timespec="seconds")
        if self._versions is None or self._versions[0] != plugin_versions:
            self._versions = (dict(plugin_versions), _dumps(plugin_versions))
        # the one serialisation (the explanation is left out)
        decision_json, kinds, outcomes, warnings = columns or log_columns(decision)
        row = (
            decision.case_id,
            decision.industry,
            kinds,
            now,
            as_of,
            round(duration_ms, 3),
            decision.rules_version,
            self._versions[1],
            outcomes,
            warnings,
            case_json(case),
            decision_json,
            calendar_version,
            rule_files.id if rule_files is not None else None,
        )
        if self._writer is None:
            raise StoreError(f"the decision log {self.path} is open read-only")
        return self._writer.submit((row, rule_files))

    def flush(self) -> None:
        """Commit everything queued so far."""
        if self._writer is not None:
            self._writer.flush()

    def _write_batch(self, items: list[Any]) -> list[int]:
        """Every queued decision in one transaction (BEGIN IMMEDIATE: the ids are taken
        under the write lock, so other processes writing the same file cannot clash)."""
        decisions = [item for item in items if item is not None]  # None: a flush marker
        if not decisions:
            return [0] * len(items)
        with self._lock:
            conn = self.db.conn
            new_sets: dict[str, RuleSnapshot] = {}
            try:
                conn.execute("BEGIN IMMEDIATE")
                # Plain prepared statements: the generic insert helpers inspect the table.
                if len(decisions) == 1:  # a lone caller: SQLite takes max(id) + 1 itself
                    row = decisions[0][0]
                    conn.execute(_UPSERT_CASE, (row[0], row[1], row[3], row[3]))
                    inserted = conn.execute(_INSERT_DECISION, (None, *row)).lastrowid
                    assert inserted is not None  # an INSERT that succeeded has a rowid
                    last = inserted - 1
                else:
                    last = conn.execute(_LAST_ID).fetchone()[0]
                    conn.executemany(_UPSERT_CASE, [(r[0], r[1], r[3], r[3]) for r, _ in decisions])
                    conn.executemany(
                        _INSERT_DECISION,
                        [(last + n, *row) for n, (row, _) in enumerate(decisions, 1)],
                    )
                for _row, snapshot in decisions:
                    if snapshot is not None and snapshot.id not in self._stored_sets:
                        if snapshot.id not in new_sets:
                            new_sets[snapshot.id] = snapshot
                            self._write_rule_files(snapshot)
                conn.commit()
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.rollback()
                raise StoreError(f"decision not logged ({self.path}): {exc}") from None
            self._stored_sets.update(new_sets)
            self._since_prune += len(decisions)
        if self.retention is not None and self._since_prune >= PRUNE_EVERY:
            self._prune_quietly()
        ids = iter(range(last + 1, last + 1 + len(decisions)))
        return [next(ids) if item is not None else 0 for item in items]

    def _write_rule_files(self, snapshot: RuleSnapshot) -> None:
        """Each text once per content hash, each set once (another process may have
        written them already: INSERT OR IGNORE)."""
        self.db.conn.executemany(
            _INSERT_FILE,
            [
                (ref.sha256, ref.path, snapshot.texts[ref.sha256])
                for ref in snapshot.files
                if ref.sha256 in snapshot.texts
            ],
        )
        files = [
            {"root": ref.root, "name": ref.name, "path": ref.path, "sha256": ref.sha256}
            for ref in snapshot.files
        ]
        self.db.execute(_INSERT_SET, [snapshot.id, _dumps(files)])

    def replay_record(self, decision_id: int) -> dict[str, Any] | None:
        """What a replay needs of one decision: the case as received, the outcomes as
        answered, the instant, versions, and its rule files with their texts (``text``
        None where it was not kept)."""
        with self._lock:
            row = self.db.execute(
                "SELECT d.case_json, d.outcomes, d.as_of, d.plugin_versions, "
                "d.calendar_version, d.rule_file_set, d.rules_version, s.files "
                "FROM decisions d LEFT JOIN rule_file_sets s ON s.id = d.rule_file_set "
                "WHERE d.id = ?",
                [decision_id],
            ).fetchone()
            if row is None:
                return None
            refs = json.loads(row[7]) if row[7] else []
            texts = dict(
                self.db.execute(
                    f"SELECT sha256, text FROM rule_files WHERE sha256 IN "
                    f"({', '.join('?' * len(refs))})",
                    [ref["sha256"] for ref in refs],
                ).fetchall()
            )
        return {
            "id": decision_id,
            "case": json.loads(row[0]),
            "outcomes": json.loads(row[1]),
            "as_of": row[2],
            "plugin_versions": json.loads(row[3]),
            "calendar_version": row[4],
            "rule_file_set": row[5],
            "rules_version": row[6],
            "rule_files": [{**ref, "text": texts.get(ref["sha256"])} for ref in refs],
        }

    def prune(self, older_than: str | dt.timedelta) -> int:
        """Delete the decisions logged more than ``older_than`` ago, their rule hits, and
        cases left without a decision, in one transaction; how many decisions went."""
        cutoff = dt.datetime.now(CHINA_TZ) - parse_age(older_than)
        stamp = cutoff.isoformat(timespec="seconds")  # same +08:00 text as decided_at
        with self._lock:
            self._since_prune = 0
            try:
                with self.db.atomic():
                    row = self.db.execute(
                        "SELECT max(id), count(*) FROM decisions WHERE decided_at < ?", [stamp]
                    ).fetchone()
                    if not row[1]:
                        return 0
                    # Ids grow with time, so "older" is a range of ids (the primary keys).
                    self.db.execute("DELETE FROM rule_hits WHERE decision_id <= ?", [row[0]])
                    self.db.execute("DELETE FROM decisions WHERE id <= ?", [row[0]])
                    self.db.execute(
                        "DELETE FROM cases WHERE last_seen < ? AND case_id NOT IN "
                        "(SELECT case_id FROM decisions)",
                        [stamp],
                    )
            except sqlite3.Error as exc:
                raise StoreError(f"decisions not pruned ({self.path}): {exc}") from None
        return int(row[1])

    def _prune_quietly(self) -> None:
        """Retention runs beside logging: a busy log is pruned next time instead."""
        assert self.retention is not None
        try:
            self.prune(self.retention)
        except StoreError:
            self._since_prune = 0

    def list_decisions(
        self, limit: int = 20, case_id: str | None = None, industry: str | None = None
    ) -> list[dict[str, Any]]:
        where, params = [], []
        if case_id:
            where.append("case_id = ?")
            params.append(case_id)
        if industry:
            where.append("industry = ?")
            params.append(industry)
        sql = (
            "SELECT id, case_id, industry, kinds, decided_at, outcomes, rules_version "
            "FROM decisions"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY id DESC LIMIT ?"
        )
        with self._lock:
            rows = self.db.execute(sql, [*params, limit]).fetchall()
        return [
            {
                "id": r[0],
                "case_id": r[1],
                "industry": r[2],
                "kinds": json.loads(r[3]),
                "decided_at": r[4],
                "outcomes": json.loads(r[5]),
                "rules_version": r[6],
            }
            for r in rows
        ]

    def get_decision(self, decision_id: int) -> dict[str, Any] | None:
        with self._lock:
            row = self.db.execute(
                "SELECT id, decided_at, as_of, duration_ms, plugin_versions, case_json, "
                "decision_json FROM decisions WHERE id = ?",
                [decision_id],
            ).fetchone()
        if row is None:
            return None
        return {
            "id": row[0],
            "decided_at": row[1],
            "as_of": row[2],
            "duration_ms": row[3],
            "plugin_versions": json.loads(row[4]),
            "case": json.loads(row[5]),
            "decision": json.loads(row[6]),
        }

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read-only query, under the store's lock (filtered listings
        such as the HTTP API's build their own SQL on the tables above)."""
        with self._lock:
            return [tuple(row) for row in self.db.execute(sql, list(params)).fetchall()]

    def count(self) -> int:
        with self._lock:
            return int(self.db.execute("SELECT count(*) FROM decisions").fetchone()[0])

    def close(self) -> None:
        """Commit what is queued, stop the writer and the checkpoints, close the file."""
        if self._writer is not None:
            self._writer.close()
        if self._checkpointer is not None:
            self._checkpointer.close()
        with self._lock:
            self.db.close()
