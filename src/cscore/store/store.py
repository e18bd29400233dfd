"""The decision log: every decision, whole or not at all, in one SQLite file.

One connection per store, guarded by a lock (sqlite3 objects must not be used by two
threads at once), WAL so readers (``cscore decisions list``) never block the writer.
Decisions waiting to be written are committed together in one transaction (group
commit, :mod:`cscore.store.writer`). A log file's store journals each decision first
(:mod:`cscore.store.journal`: one ``os.write``, durable against a process crash as a
WAL commit is) and a writer thread loads the journal into SQLite behind the callers:
:meth:`DecisionStore.submit` returns once the decision is journaled,
:meth:`DecisionStore.record` once it is in SQLite (it needs the id), and, with
``wait=False`` (no journal), both once it is queued. Reads through a store
(:meth:`~DecisionStore.list_decisions`, :meth:`~DecisionStore.get_decision`,
:meth:`~DecisionStore.query`, :meth:`~DecisionStore.count`,
:meth:`~DecisionStore.replay_record`) commit what it has queued first, so a process
reads its own decisions; another process sees them once the writer has loaded them
(a few milliseconds). A writer that opens the log first loads the journals of
processes that are gone (a crash), each in one transaction; a reader never does.
Each decision is serialised once (:mod:`cscore.store.logrow`), its outcomes, warnings
and kinds columns with it, and its rule hits are a view over its JSON.
WAL checkpoints run on their own thread (:mod:`cscore.store.checkpoint`).

The file is created owner-only (0600: it holds customers' cases), readers open it
read-only and never create it, a writer waits at most ``busy_timeout`` seconds for
another writer's lock, and ``retention`` deletes decisions older than that age.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations

from cscore.calendar import CHINA_TZ
from cscore.errors import StoreError
from cscore.jsonvalues import as_received
from cscore.models.decision import Decision
from cscore.rulebook.snapshot import FileRef, RuleSnapshot
from cscore.store import journal as journals
from cscore.store.checkpoint import Checkpointer
from cscore.store.journal import Segment
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
    " calendar_version, rule_file_set)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT), ?, ?)"
)
_LAST_ID = "SELECT coalesce(max(id), 0) FROM decisions"
# A batch is inserted by multi-row statements of these sizes (the fewest statements, each
# prepared once), not one statement per row: each statement's step lets go of the GIL
# and the writer thread then waits up to a switch interval to get it back from the
# evaluating threads, so a row at a time was slow for the writer and, with a switch per
# row, for the callers too. 256 rows x 15 values stays below SQLite's variable limit.
CHUNK_SIZES = (256, 64, 16, 4, 1)


def _chunks(count: int) -> list[tuple[int, int]]:
    """(start, size) of the statements that insert ``count`` rows."""
    chunks, start = [], 0
    for size in CHUNK_SIZES:
        while count - start >= size:
            chunks.append((start, size))
            start += size
    return chunks


@functools.cache
def _upsert_cases(rows: int) -> str:
    head, tail = _UPSERT_CASE.split(" VALUES (?, ?, ?, ?, 1) ")
    return f"{head} VALUES {', '.join(['(?, ?, ?, ?, 1)'] * rows)} {tail}"


@functools.cache
def _insert_decisions(rows: int) -> str:
    head = _INSERT_DECISION.split(" VALUES ")[0]
    one = "(" + _INSERT_DECISION.split(" VALUES (")[1]
    return f"{head} VALUES {', '.join([one] * rows)}"


_INSERT_FILE = "INSERT OR IGNORE INTO rule_files (sha256, path, text) VALUES (?, ?, ?)"
_INSERT_SET = "INSERT OR IGNORE INTO rule_file_sets (id, files) VALUES (?, ?)"
_PROGRESS = (
    "INSERT INTO journals (name, committed) VALUES (?, ?)"
    " ON CONFLICT(name) DO UPDATE SET committed = excluded.committed"
)
ROW_FIELDS = 14  # a decision's row as submit() builds it (the columns after the id)

logger = logging.getLogger("cscore.store")


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


_stamp: tuple[int, str] = (0, "")  # the last second's decided_at text


def _decided_at() -> str:
    """Now, to the second, in China time (``decided_at``): the text is made once per
    second, not for every decision (the clock is read each time all the same)."""
    global _stamp
    second = int(time.time())
    if _stamp[0] != second:
        text = dt.datetime.fromtimestamp(second, CHINA_TZ).isoformat(timespec="seconds")
        _stamp = (second, text)
    return _stamp[1]


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

    :param wait: ``True`` (default): every decision is durable when :meth:`submit`
        returns (journaled; with ``journal=False``, once ``ticket.wait()`` has committed
        it) and :meth:`record` returns once it is in SQLite, with its id. ``False``: they
        return as soon as the decision is queued, with no journal; a crash may lose what
        was queued and not yet committed (a writer thread commits continuously;
        :meth:`close` and :meth:`flush` wait for it).
    :param journal: ``True`` (default): a waiting store of a log file journals each
        decision (:mod:`cscore.store.journal`). ``False``: no journal; a decision is
        durable only once its own commit returns (each caller waits for SQLite: slower).
        A ``":memory:"`` log never has a journal (there is no file to recover from).
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
        journal: bool = True,
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
        self._journal_lock = threading.Lock()  # a journal's append and its queueing, together
        self._segments: list[Segment] = []  # this store's journals; the last takes new records
        self._gone: list[str] = []  # removed journals whose progress row is still to delete
        self.rotate_bytes = journals.ROTATE_BYTES
        self.journaled = False
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
            if self.path != ":memory:":
                self._recover()
                if wait and journal:
                    self._segments.append(journals.create(Path(self.path)))
                    self.journaled = True
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the decision log {self.path}: {exc}") from None
        self._checkpointer: Checkpointer | None = (
            Checkpointer(self.path) if self.path != ":memory:" else None
        )
        self._writer: GroupCommit | None = GroupCommit(
            self._write_batch,
            after_commit=self._checkpointer.committed if self._checkpointer else None,
            background=not wait,  # nobody waits to lead the commits: a thread does
            durable=self.journaled,  # the journal has them: a thread loads it into SQLite
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
        now = _decided_at()
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
            # UTF-8 bytes, cast to text by the statement (_INSERT_DECISION): encoded here
            # once for the journal and SQLite both, the writer thread binds them without
            # encoding them again while holding the GIL the callers need.
            case_json(case).encode(),
            decision_json.encode(),
            calendar_version,
            rule_files.id if rule_files is not None else None,
        )
        writer = self._writer
        if writer is None:
            raise StoreError(f"the decision log {self.path} is open read-only")
        if not self.journaled:
            return writer.submit((row, rule_files, None, 0))
        with self._journal_lock:  # the journal's order is the queue's (the progress marks)
            segment = self._segment_for_append()
            data = journals.frame(("d", row))
            if rule_files is not None and rule_files.id not in segment.sets:
                data = _snapshot_frame(rule_files) + data  # still one write
            journals.append(segment, data)
            if rule_files is not None:
                segment.sets.add(rule_files.id)
            ticket = writer.submit((row, rule_files, segment, segment.end))
        writer.keep_up()
        return ticket

    @property
    def commit_wait(self) -> bool:
        """Whether a decision is durable only once its commit is waited for (a waiting
        store without a journal); a journaled one is durable once submitted."""
        return self.wait and not self.journaled

    def _segment_for_append(self) -> Segment:
        """The journal that takes the next record: a new one past ``rotate_bytes`` (the old
        is removed once all of it is committed) or after a write it could not undo."""
        segment = self._segments[-1]
        if segment.end < self.rotate_bytes and not segment.retired:
            return segment
        try:
            fresh = journals.create(Path(self.path))
        except OSError as exc:
            raise StoreError(f"decision not logged ({self.path}): {exc}") from None
        segment.retired = True
        self._segments.append(fresh)
        self._remove_done()
        return fresh

    def _remove_done(self) -> None:
        """Remove the rotated journals SQLite has all of (the journal lock is held)."""
        for segment in [s for s in self._segments if s.done]:
            journals.remove(segment)
            self._segments.remove(segment)
            self._gone.append(segment.name)

    def flush(self) -> None:
        """Commit everything queued so far (journaled decisions that SQLite refuses now,
        busy, stay queued for the writer's next try)."""
        if self._writer is not None:
            self._writer.flush()

    def _write_batch(self, items: list[Any]) -> list[int]:
        """Every queued decision in one transaction (BEGIN IMMEDIATE: the ids are taken
        under the write lock, so other processes writing the same file cannot clash),
        with how far each journal is committed."""
        decisions = [item for item in items if item is not None]  # None: a flush marker
        if not decisions:
            return [0] * len(items)
        marks: dict[Segment, int] = {}
        for _row, _snapshot, segment, end in decisions:
            if segment is not None:
                marks[segment] = end  # queued in journal order: the last is the furthest
        with self._lock:
            conn = self.db.conn
            gone = self._gone[:]
            try:
                conn.execute("BEGIN IMMEDIATE")
                last, new_sets = self._insert([(row, snap) for row, snap, _s, _e in decisions])
                if marks:
                    conn.executemany(_PROGRESS, [(s.name, end) for s, end in marks.items()])
                if gone:
                    conn.executemany("DELETE FROM journals WHERE name = ?", [(n,) for n in gone])
                conn.commit()
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.rollback()
                if self.journaled:  # durable all the same: the writer loads it later
                    raise StoreError(
                        f"decision journaled, not yet in the decision log ({self.path}): {exc}"
                    ) from None
                raise StoreError(f"decision not logged ({self.path}): {exc}") from None
            self._stored_sets.update(new_sets)
            self._since_prune += len(decisions)
        if marks or gone:
            with self._journal_lock:
                del self._gone[: len(gone)]
                for segment, end in marks.items():
                    segment.committed = end
                self._remove_done()
        if self.retention is not None and self._since_prune >= PRUNE_EVERY:
            self._prune_quietly()
        ids = iter(range(last + 1, last + 1 + len(decisions)))
        return [next(ids) if item is not None else 0 for item in items]

    def _insert(
        self, decisions: list[tuple[tuple[Any, ...], RuleSnapshot | None]]
    ) -> tuple[int, set[str]]:
        """Insert decision rows (in a transaction the caller holds); the id before the
        first, and the rule file sets written."""
        conn = self.db.conn
        new_sets: set[str] = set()
        # Plain prepared statements: the generic insert helpers inspect the table.
        if len(decisions) == 1:  # a lone caller: SQLite takes max(id) + 1 itself
            row = decisions[0][0]
            conn.execute(_UPSERT_CASE, (row[0], row[1], row[3], row[3]))
            inserted = conn.execute(_INSERT_DECISION, (None, *row)).lastrowid
            assert inserted is not None  # an INSERT that succeeded has a rowid
            last = inserted - 1
        else:
            last = conn.execute(_LAST_ID).fetchone()[0]
            rows = [row for row, _ in decisions]
            for start, size in _chunks(len(rows)):
                chunk = rows[start : start + size]
                cases = [v for r in chunk for v in (r[0], r[1], r[3], r[3])]
                conn.execute(_upsert_cases(size), cases)
                first = last + 1 + start
                values = [v for n, r in enumerate(chunk, first) for v in (n, *r)]
                conn.execute(_insert_decisions(size), values)
        for _row, snapshot in decisions:
            if snapshot is not None and snapshot.id not in self._stored_sets:
                if snapshot.id not in new_sets:
                    new_sets.add(snapshot.id)
                    self._write_rule_files(snapshot)
        return last, new_sets

    def _recover(self) -> None:
        """Load the journals of processes that are gone, each in one transaction from
        its committed offset, then remove them; progress rows of journals no longer
        there are dropped. A journal that cannot be loaded now (the log busy) stays for
        the next writer that opens the log."""
        log = Path(self.path)
        conn = self.db.conn
        for orphan in journals.orphans(log):
            loaded = False
            try:
                row = conn.execute(
                    "SELECT committed FROM journals WHERE name = ?", [orphan.name]
                ).fetchone()
                records, end = journals.read(orphan.fd, row[0] if row else 0)
                decisions = _recovered(records)
                conn.execute("BEGIN IMMEDIATE")
                if decisions:
                    _last, new_sets = self._insert(decisions)
                    self._stored_sets.update(new_sets)
                conn.execute(_PROGRESS, (orphan.name, end))
                conn.commit()
                loaded = True
                if decisions:
                    logger.warning(
                        "%d decisions of a process that ended recovered from %s",
                        len(decisions),
                        orphan.path,
                    )
            except (sqlite3.Error, OSError) as exc:
                if conn.in_transaction:
                    conn.rollback()
                logger.warning("journal %s not recovered now: %s", orphan.path, exc)
            finally:
                orphan.close(remove_file=loaded)  # removed only once SQLite has it all
        present = journals.names(log)
        try:
            stale = [
                (name,)
                for (name,) in conn.execute("SELECT name FROM journals").fetchall()
                if name not in present
            ]
            if stale:
                with conn:
                    conn.executemany("DELETE FROM journals WHERE name = ?", stale)
        except sqlite3.Error:
            pass  # dropped by a later opening instead

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
        self.flush()  # this process reads its own decisions
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
                    # By the time each was decided (indexed), not by a range of ids: a
                    # decision recovered from a crashed process's journal, or committed
                    # late by another, has an id above newer ones. (Rule hits are a view
                    # over the decisions: they go with them.)
                    gone = self.db.execute(
                        "DELETE FROM decisions WHERE decided_at < ?", [stamp]
                    ).rowcount
                    if not gone:
                        return 0
                    self.db.execute(
                        "DELETE FROM cases WHERE last_seen < ? AND case_id NOT IN "
                        "(SELECT case_id FROM decisions)",
                        [stamp],
                    )
            except sqlite3.Error as exc:
                raise StoreError(f"decisions not pruned ({self.path}): {exc}") from None
        return int(gone)

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
        self.flush()  # this process reads its own decisions
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
        self.flush()  # this process reads its own decisions
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
        self.flush()  # this process reads its own decisions
        with self._lock:
            return [tuple(row) for row in self.db.execute(sql, list(params)).fetchall()]

    def count(self) -> int:
        self.flush()  # this process reads its own decisions
        with self._lock:
            return int(self.db.execute("SELECT count(*) FROM decisions").fetchone()[0])

    def close(self) -> None:
        """Commit what is queued, stop the writer and the checkpoints, close the file.
        The journal is removed once SQLite has all of it; if the log refuses the last
        decisions (busy past its timeout) the journal stays, and the next writer to
        open the log loads them."""
        complete = self._writer.close() if self._writer is not None else True
        with self._journal_lock:
            segments, self._segments = self._segments, []
            for segment in segments:
                if complete:
                    journals.remove(segment)
                    self._gone.append(segment.name)
                else:
                    journals.release(segment)
                    logger.warning(
                        "decisions not yet in the log %s stay in its journal %s: the next"
                        " writer to open the log loads them",
                        self.path,
                        segment.path,
                    )
        if self._gone:
            with self._lock:
                try:
                    with self.db.conn:
                        self.db.conn.executemany(
                            "DELETE FROM journals WHERE name = ?", [(n,) for n in self._gone]
                        )
                    self._gone = []
                except sqlite3.Error:
                    pass  # stale progress rows are dropped by the next writer's opening
        if self._checkpointer is not None:
            self._checkpointer.close()
        with self._lock:
            self.db.close()


def _snapshot_frame(snapshot: RuleSnapshot) -> bytes:
    files = tuple((ref.root, ref.name, ref.path, ref.sha256) for ref in snapshot.files)
    return journals.frame(("s", snapshot.id, files, dict(snapshot.texts)))


def _recovered(
    records: list[tuple[Any, ...]],
) -> list[tuple[tuple[Any, ...], RuleSnapshot | None]]:
    """A journal's decisions with the rule file sets it wrote for them (a row of another
    shape is not one this version wrote: left out rather than half-inserted)."""
    sets: dict[str, RuleSnapshot] = {}
    decisions: list[tuple[tuple[Any, ...], RuleSnapshot | None]] = []
    for record in records:
        if record[0] == "s":
            _tag, set_id, files, texts = record
            refs = tuple(FileRef(*ref) for ref in files)
            sets[set_id] = RuleSnapshot(set_id, refs, dict(texts))
        elif len(record[1]) == ROW_FIELDS:
            row = record[1]
            decisions.append((row, sets.get(row[-1]) if row[-1] is not None else None))
    return decisions
