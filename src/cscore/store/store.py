"""The decision log: every decision, whole or not at all, in one SQLite file.

One connection per store, guarded by a lock (sqlite3 objects must not be used by two
threads at once), WAL so readers (``cscore decisions list``) never block the writer.
Decisions waiting to be written are committed together in one transaction (group
commit, :mod:`cscore.store.writer`). A log file's store journals each decision first
(:mod:`cscore.store.journal`: one ``os.write``, durable against a process crash as a
WAL commit is) and a loader process (:mod:`cscore.store.loader`, started once decisions
wait: not for a one-shot run) loads the journal into SQLite behind the callers, so the
callers' threads do no SQLite work for it: :meth:`DecisionStore.submit` returns once
the decision is journaled, :meth:`DecisionStore.record` once it is in SQLite (it needs
the id: committed directly, not journaled, unless SQLite refuses it). With
``wait=False`` nothing waits for SQLite: a log file's decisions are journaled all the
same (the cheapest hand-over: a writer thread in the callers' process cost them more,
measured) and :meth:`~DecisionStore.record` returns without the id; a store with no
journal queues them for a writer thread.
Reads through a store (:meth:`~DecisionStore.list_decisions`,
:meth:`~DecisionStore.get_decision`, :meth:`~DecisionStore.query`,
:meth:`~DecisionStore.count`, :meth:`~DecisionStore.replay_record`) commit what it has
queued and load its journal first, so a process reads its own decisions; another
process sees them once the loader has loaded them (tens of milliseconds). The store
and its loader both load with :func:`cscore.store.load.load_journal`, which never
loads a record twice. A writer that opens the log first loads the journals of
processes that are gone (a crash), each in one transaction; a reader never does.
Each decision is serialised once (:mod:`cscore.store.logtext`), its outcomes, warnings
and kinds columns with it, and its rule hits are a view over its JSON; a journaled one
goes as its parts, and the loader process writes those texts (the caller's share of the
work is picking the parts and one marshal call).
WAL checkpoints run on their own thread (:mod:`cscore.store.checkpoint`).

The file is created owner-only (0600: it holds customers' cases), readers open it
read-only and never create it, a writer waits at most ``busy_timeout`` seconds for
another writer's lock, and ``retention`` deletes decisions older than that age.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cscore.calendar import CHINA_TZ
from cscore.errors import StoreError
from cscore.models.decision import Decision
from cscore.rulebook.snapshot import RuleSnapshot
from cscore.store import journal as journals
from cscore.store import load, logtext
from cscore.store.checkpoint import Checkpointer
from cscore.store.journal import Segment
from cscore.store.loader import BOOT
from cscore.store.logrow import journal_payload, log_columns
from cscore.store.logtext import LogColumns, case_json, compact_json
from cscore.store.writer import GroupCommit, Ticket

if TYPE_CHECKING:
    from sqlite_utils import Migrations

# Until this many journaled decisions wait (or LOADER_AFTER seconds after the first),
# the store starts no loader process: a one-shot run that logs a decision or two and
# closes loads them itself on close, without paying for a process start.
LOADER_AT = 64
LOADER_AFTER = 0.25
LOADER_STOP = 30.0  # seconds close waits for the loader to finish before it kills it
# Rotated journals the loader may leave unfinished before a caller loads them itself
# (each ROTATE_BYTES), and names of removed journals kept before their progress rows go.
LOADER_BEHIND = 2
MAX_GONE = 64
LOAD_BATCH = 512  # journaled decisions a store loads per transaction itself

# Loader pipes of this process's stores: a child forked from it closes its copies, or the
# loader would not see the end of its pipe when the store closes (it waits for the
# child too). (A store is not to be used across a fork: SQLite's connection is not.)
_loader_pipes: weakref.WeakSet[Any] = weakref.WeakSet()


def _close_inherited_pipes() -> None:
    for pipe in list(_loader_pipes):
        try:
            os.close(pipe.fileno())
        except (OSError, ValueError):
            pass


os.register_at_fork(after_in_child=_close_inherited_pipes)

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
        it) and :meth:`record` returns once it is in SQLite, with its id. ``False``:
        nobody waits for SQLite — :meth:`record` returns 0, not the id. A journaled
        store still journals each decision before :meth:`submit` returns (durable as
        with ``True``); one without a journal (``journal=False``, ``":memory:"``)
        returns as soon as the decision is queued, and a crash may lose what was queued
        and not yet committed (a writer thread commits continuously; :meth:`close` and
        :meth:`flush` wait for it).
    :param journal: ``True`` (default): a store of a log file journals each decision
        (:mod:`cscore.store.journal`), whether it waits or not. ``False``: no journal; a decision is
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
        self._own_pieces = logtext.PieceTable(own=logtext.numbered_pieces())
        self.journaled = False
        # The loader process (cscore.store.loader), started once decisions wait; False:
        # none, the store loads its journal itself when it flushes, reads or closes.
        self.spawn_loader = True
        self.loader_at, self.loader_after = LOADER_AT, LOADER_AFTER
        self._loader: subprocess.Popen[bytes] | None = None
        self._behind = 0  # rotated journals not yet all in SQLite (at the last rotation)
        self._loader_timer: threading.Timer | None = None
        self._waiting = 0  # decisions journaled while no loader runs
        self._closing = False
        self.load_error: str | None = None  # why the store's own last load failed
        if read_only:
            self._open_read_only()
            return
        # sqlite_utils (a fifth of the CLI's start) is imported when a log is opened, so
        # `cscore evaluate --no-log` and a kernel without a log do not load it.
        from sqlite_utils import Database

        from cscore.store.migrations import core

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
                if journal:
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
            # nobody waits to lead the commits: a thread does. (A journaled store's
            # journal goes to SQLite by the loader process; this commits only the
            # decisions whose id a caller needs, on the caller's thread.)
            background=not wait and not self.journaled,
        )
        # what a journaled submit returns: durable already, its id not asked for
        self._journaled = Ticket(None, self._writer)
        self._journaled.resolve(0, None)
        if self.retention is not None:
            self._prune_quietly()

    def _open_read_only(self) -> None:
        from sqlite_utils import Database  # (when a log is opened: see __init__)

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
            need_id=True,
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
        need_id: bool = False,
    ) -> Ticket:
        """Queue one decision; ``ticket.wait()`` commits it (with whatever else is
        queued, in one transaction) and returns its id. A waiting store commits only
        when someone waits, flushes or closes; one that does not wait, on its thread.
        A journaled store journals it and returns a ticket that is done already (id 0:
        the loader process or a later flush puts it in SQLite), unless ``need_id``: then
        the decision is not journaled and ``wait()`` commits it on the caller's thread.
        ``columns``: the decision's :func:`~cscore.store.logrow.log_columns`, when they
        were made already (by a pool worker, :mod:`cscore.pool`). A store that does not
        wait never commits on the caller's thread: ``need_id`` is ignored."""
        need_id = need_id and self.wait
        now = _decided_at()
        if self._versions is None or self._versions[0] != plugin_versions:
            self._versions = (dict(plugin_versions), compact_json(plugin_versions))
        writer = self._writer
        if writer is None:
            raise StoreError(f"the decision log {self.path} is open read-only")
        head = (
            decision.case_id,
            decision.industry,
            now,
            as_of,
            round(duration_ms, 3),
            decision.rules_version,
            self._versions[1],
        )
        tail = (calendar_version, rule_files.id if rule_files is not None else None)
        payload = None
        if self.journaled and not need_id and columns is None:
            # journaled as its parts: the loader writes its texts (cscore.store.logtext)
            payload = journal_payload(decision, case, head, tail)
        row: tuple[Any, ...] = ()
        if payload is None:
            # the one serialisation (the explanation is left out)
            decision_json, kinds, outcomes, warnings = columns or log_columns(decision)
            row = (
                *head[:2],
                kinds,
                *head[2:],
                outcomes,
                warnings,
                # UTF-8 bytes, cast to text by the statement (_INSERT_DECISION): encoded
                # here once for the journal and SQLite both, the writer thread binds
                # them without encoding them again while holding the GIL callers need.
                case_json(case).encode(),
                decision_json.encode(),
                *tail,
            )
        if not self.journaled:
            return writer.submit((row, rule_files, None, 0))
        failed: StoreError | None = None
        if need_id:  # the id is SQLite's: committed here and now, not journaled
            ticket = writer.submit((row, rule_files, None, 0))
            try:
                ticket.wait()
                return ticket
            except StoreError as exc:  # journaled instead: durable all the same
                reason = str(exc).partition("): ")[2] or str(exc)
                failed = StoreError(
                    f"decision journaled, not yet in the decision log ({self.path}): {reason}"
                )
        with self._journal_lock:
            segment = self._segment_for_append()
            record = journals.frame(("d", row)) if payload is None else journals.framed(payload)
            self._append(segment, record, rule_files, parts=payload is not None)
            if self._loader is None:
                self._waiting += 1
                if self._waiting >= self.loader_at:
                    self._start_loader()
                elif self._loader_timer is None and self.spawn_loader:
                    self._loader_timer = threading.Timer(self.loader_after, self._loader_due)
                    self._loader_timer.daemon = True
                    self._loader_timer.start()
        if self._behind >= LOADER_BEHIND or len(self._gone) > MAX_GONE:
            # The loader fell behind: this caller loads the backlog itself, so the
            # journals (files, descriptors, the WAL) stay bounded whatever the load.
            self._behind = 0
            self._load_own()
        if self.retention is not None:  # counted as journaled: the loader does not prune
            self._since_prune += 1
            if self._since_prune >= PRUNE_EVERY:
                self._prune_quietly()
        if failed is not None:
            ticket = Ticket(None, writer)
            ticket.resolve(None, failed)
            return ticket
        return self._journaled

    def _append(
        self, segment: Segment, record: bytes, rule_files: RuleSnapshot | None, parts: bool
    ) -> None:
        """Append ``record`` to ``segment`` in one write, after the frames it needs that
        the file does not hold yet: its rule file set, and — for a decision journaled as
        its parts — the trace pieces numbered since the file's last ones. Each is
        written once per journal file (so a recovered decision finds them in its own
        file), and counted as written only once the write succeeded (a failed one is cut
        off again: the next record writes them). The journal lock is held."""
        data = b""
        new_set = (
            rule_files if rule_files is not None and rule_files.id not in segment.sets else None
        )
        if new_set is not None:
            data = load.snapshot_frame(new_set)
        known = segment.pieces
        if parts:
            numbered = logtext.numbered_pieces()
            known = len(numbered)
            if known > segment.pieces:
                data += journals.frame(("t", segment.pieces, numbered[segment.pieces : known]))
        journals.append(segment, data + record)
        if new_set is not None:
            segment.sets.add(new_set.id)
        segment.pieces = known

    def _loader_due(self) -> None:
        with self._journal_lock:
            self._loader_timer = None
            if self._loader is None and not self._closing:
                self._start_loader()

    def _start_loader(self) -> None:
        """Start the loader process and name it this store's journals (the journal
        lock is held). If it cannot start, the store loads its journal itself."""
        if not self.spawn_loader or self._closing:
            return
        package = str(Path(__file__).resolve().parents[2])  # the cscore this store is
        try:
            self._loader = subprocess.Popen(
                [sys.executable, "-c", BOOT, package, self.path],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
            )
            if self._loader.stdin is not None:
                _loader_pipes.add(self._loader.stdin)
        except OSError as exc:
            self.spawn_loader = False
            logger.warning(
                "no loader process for %s (%s): it loads on flush and close", self.path, exc
            )
            return
        self._name_journals(self._segments)

    def _name_journals(self, segments: list[Segment]) -> None:
        """Tell the loader which journals to follow (the journal lock is held)."""
        loader = self._loader
        if loader is None or loader.stdin is None:
            return
        try:
            loader.stdin.write(b"".join(os.fsencode(s.name) + b"\n" for s in segments))
            loader.stdin.flush()
        except OSError:  # it died: reaped, and started again once decisions wait
            self._stop_loader_locked(wait=False)

    def _stop_loader(self) -> None:
        """End the loader: end of file on its pipe (it loads what is there and exits),
        then reap it; one that does not end in LOADER_STOP seconds is killed."""
        with self._journal_lock:
            self._closing = True
            timer, self._loader_timer = self._loader_timer, None
            self._stop_loader_locked(wait=True)
        if timer is not None:
            timer.cancel()

    def _stop_loader_locked(self, wait: bool) -> None:
        loader, self._loader = self._loader, None
        self._waiting = 0
        if loader is None:
            return
        try:
            if loader.stdin is not None:
                loader.stdin.close()
        except OSError:
            pass
        try:
            loader.wait(LOADER_STOP if wait else 0.1)
        except subprocess.TimeoutExpired:
            loader.kill()
            loader.wait()

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
        self._name_journals([fresh])  # after the last append to the old one
        self._refresh_committed()
        self._remove_done()
        # Rotated journals the loader has not finished: it fell behind (a machine whose
        # cores the evaluations keep busy starves it, niced as it is).
        self._behind = sum(1 for s in self._segments if s.retired)
        return fresh

    def _refresh_committed(self) -> None:
        """How far the loader process has committed the rotated journals (read at each
        rotation, so that they are removed behind it; the journal lock is held)."""
        retired = [s for s in self._segments if s.retired and s.committed < s.end]
        if not retired or self._loader is None:
            return
        with self._lock:
            try:
                rows = dict(
                    self.db.conn.execute(
                        f"SELECT name, committed FROM journals WHERE name IN "
                        f"({', '.join('?' * len(retired))})",
                        [s.name for s in retired],
                    ).fetchall()
                )
            except sqlite3.Error:
                return
        for segment in retired:
            segment.committed = max(segment.committed, rows.get(segment.name, 0))

    def _remove_done(self) -> None:
        """Remove the rotated journals SQLite has all of (the journal lock is held)."""
        for segment in [s for s in self._segments if s.done]:
            journals.remove(segment)
            self._segments.remove(segment)
            self._gone.append(segment.name)

    def flush(self) -> None:
        """Commit everything queued so far and load this store's journal (journaled
        decisions that SQLite refuses now, busy, stay journaled for the loader or the
        next flush)."""
        if self._writer is not None:
            self._writer.flush()
        if self.journaled:
            self._load_own()

    def _write_batch(self, items: list[Any]) -> list[int]:
        """Every queued decision in one transaction (BEGIN IMMEDIATE: the ids are taken
        under the write lock, so other processes writing the same file cannot clash)."""
        decisions = [item for item in items if item is not None]  # None: a flush marker
        if not decisions:
            return [0] * len(items)
        with self._lock:
            conn = self.db.conn
            stored = set(self._stored_sets)
            try:
                conn.execute("BEGIN IMMEDIATE")
                last = load.insert(conn, [(row, snap) for row, snap, _s, _e in decisions], stored)
                conn.commit()
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.rollback()
                raise StoreError(f"decision not logged ({self.path}): {exc}") from None
            self._stored_sets = stored
            self._since_prune += len(decisions)
        if self.retention is not None and self._since_prune >= PRUNE_EVERY:
            self._prune_quietly()
        ids = iter(range(last + 1, last + 1 + len(decisions)))
        return [next(ids) if item is not None else 0 for item in items]

    def _load_segment(self, segment: Segment) -> int | None:
        """Load this store's journal ``segment`` into SQLite from its committed offset
        (the loader process may have loaded part of it: :func:`load.load_journal`);
        how many decisions went in, None if the log refused (busy)."""
        total = 0
        while True:  # LOAD_BATCH at a time: a backlog of megabytes is never held whole
            with self._lock:
                try:
                    result = load.load_journal(
                        self.db.conn,
                        segment.path,
                        segment.fd,
                        self._stored_sets,
                        LOAD_BATCH,
                        self._own_pieces,  # this process numbered them: it has them all
                    )
                except (sqlite3.Error, OSError) as exc:
                    self.load_error = str(exc)
                    return None
                if result is None:  # cannot be: the file is ours until we remove it
                    return total
                count, end = result
                before, segment.committed = segment.committed, max(segment.committed, end)
            total += count
            if count and self._checkpointer is not None:
                self._checkpointer.committed(count)
            if segment.committed >= segment.end or segment.committed == before:
                return total  # all of it (as far as it was written), or no further

    def _load_own(self) -> bool:
        """Load what this store's journals hold beyond their committed offsets; remove
        the rotated ones SQLite has all of. Whether everything journaled is in SQLite."""
        with self._journal_lock:
            segments = list(self._segments)
        complete = True
        for segment in segments:
            if self._load_segment(segment) is None:
                complete = False
                break  # in order: a later journal waits for the one before
        with self._journal_lock:
            self._remove_done()
            gone = self._gone[:]
        if gone:
            with self._lock:
                try:
                    with self.db.conn:
                        self.db.conn.executemany(
                            "DELETE FROM journals WHERE name = ?", [(n,) for n in gone]
                        )
                    with self._journal_lock:
                        del self._gone[: len(gone)]
                except sqlite3.Error:
                    pass  # dropped later, or by the next writer's opening
        return complete and all(s.committed >= s.end for s in segments)

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
                result = load.load_journal(conn, orphan.path, orphan.fd, self._stored_sets)
                loaded = True
                if result is not None and result[0]:
                    logger.warning(
                        "%d decisions of a process that ended recovered from %s",
                        result[0],
                        orphan.path,
                    )
            except (sqlite3.Error, OSError) as exc:
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
        open the log loads them. The loader process is stopped first (it loads what it
        has seen and exits; reaped here), then the store loads whatever is left."""
        self._stop_loader()
        complete = self._writer.close() if self._writer is not None else True
        if self.journaled and not self._load_own():
            complete = False
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
