"""Writing decision rows into the log's tables, and loading a journal into them.

One place for the SQL that inserts decisions (the store's direct commits, its recovery
of orphaned journals, its own journal on ``flush``/``close``, and the loader process,
:mod:`cscore.store.loader`, all call it): plain ``sqlite3``, no sqlite-utils, and
nothing of cscore but the journal, so the loader starts in a few milliseconds
(:data:`cscore.store.loader.BOOT`).

:func:`load_journal` is the one way a journal gets into SQLite: inside ``BEGIN
IMMEDIATE`` (the write lock) it re-reads how far the journal is committed (the
``journals`` table), reads the whole frames beyond it, inserts them with ids assigned,
writes the rule file sets they name and moves the progress row, all in one
transaction. Whoever holds the lock loads what nobody has, so the owner of a journal
and its loader process can both load it without a decision going in twice. A journal
whose file was removed meanwhile (everything in it committed, its progress row about to
be dropped) is not loaded again: that is checked under the lock too.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from cscore.store import journal as journals

if TYPE_CHECKING:
    from cscore.store.logtext import PieceTable

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
_INSERT_FILE = "INSERT OR IGNORE INTO rule_files (sha256, path, text) VALUES (?, ?, ?)"
_INSERT_SET = "INSERT OR IGNORE INTO rule_file_sets (id, files) VALUES (?, ?)"
PROGRESS = (
    "INSERT INTO journals (name, committed) VALUES (?, ?)"
    " ON CONFLICT(name) DO UPDATE SET committed = excluded.committed"
)
ROW_FIELDS = 14  # a decision's row as DecisionStore.submit builds it (after the id)


class FileLike(Protocol):
    """A rule file as a rule file set names it (:class:`cscore.rulebook.snapshot.FileRef`)."""

    @property
    def root(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def sha256(self) -> str: ...


class SetLike(Protocol):
    """A rule file set (:class:`cscore.rulebook.snapshot.RuleSnapshot`, or one read back
    from a journal): its id, files, and the texts kept (sha256 → text)."""

    @property
    def id(self) -> str: ...
    @property
    def files(self) -> Sequence[FileLike]: ...
    @property
    def texts(self) -> Mapping[str, str]: ...


class JournalFile(NamedTuple):
    root: str
    name: str
    path: str
    sha256: str


class JournalSet(NamedTuple):
    """A rule file set as a journal holds it (the rulebook is not imported here)."""

    id: str
    files: tuple[JournalFile, ...]
    texts: dict[str, str]


Decisions = list[tuple[tuple[Any, ...], SetLike | None]]


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


def insert(conn: sqlite3.Connection, decisions: Decisions, stored: set[str]) -> int:
    """Insert decision rows (in a transaction the caller holds), and the rule file sets
    they name that are not in ``stored`` (which gets them: the caller forgets them again
    if the transaction does not commit). The id before the first row."""
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
        if snapshot is not None and snapshot.id not in stored:
            stored.add(snapshot.id)
            write_rule_files(conn, snapshot)
    return int(last)


def write_rule_files(conn: sqlite3.Connection, snapshot: SetLike) -> None:
    """Each text once per content hash, each set once (another process may have
    written them already: INSERT OR IGNORE)."""
    conn.executemany(
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
    conn.execute(_INSERT_SET, [snapshot.id, json.dumps(files, separators=(",", ":"))])


def snapshot_frame(snapshot: SetLike) -> bytes:
    files = tuple((ref.root, ref.name, ref.path, ref.sha256) for ref in snapshot.files)
    return journals.frame(("s", snapshot.id, files, dict(snapshot.texts)))


def recovered(
    records: list[tuple[Any, ...]], pieces: PieceTable | None = None
) -> tuple[Decisions, list[SetLike]]:
    """A journal's decisions with the rule file sets it wrote for them, and every set
    it wrote (a set's frame may be loaded in an earlier transaction than its decisions;
    a row of another shape is not one this version wrote: left out rather than
    half-inserted). ``pieces``: the journal's :class:`~cscore.store.logtext.PieceTable`
    so far (it learns the pieces of the "t" records among ``records``)."""
    sets: dict[str, SetLike] = {}
    decisions: Decisions = []
    if pieces is None:
        pieces = piece_table()
    for record in records:
        if record[0] == "s":
            _tag, set_id, files, texts = record
            refs = tuple(JournalFile(*ref) for ref in files)
            sets[set_id] = JournalSet(set_id, refs, dict(texts))
            continue
        if record[0] == "t":
            pieces.add(record[1], record[2])
            continue
        if record[0] == "D":
            row = _row_from_parts(record, pieces)
        elif record[0] == "d" and len(record[1]) == ROW_FIELDS:
            row = record[1]
        else:
            continue
        if row is not None:
            decisions.append((row, sets.get(row[-1]) if row[-1] is not None else None))
    return decisions, list(sets.values())


def piece_table() -> PieceTable:
    """A reader's table of a journal's numbered trace pieces, empty (imported when
    first needed: pydantic_core's encoder, for a loader process)."""
    from cscore.store.logtext import PieceTable

    return PieceTable()


def _row_from_parts(record: tuple[Any, ...], pieces: PieceTable) -> tuple[Any, ...] | None:
    """A decision journaled as its parts, as its row: its texts are written now.
    ``None``: not a record this version writes. A piece of its trace the journal does
    not hold (cannot be: each is written before the first decision naming it) stops
    the load, with nothing of it committed, rather than lose the decision."""
    from cscore.store.logtext import row_from_record

    try:
        row = row_from_record(record, pieces)
    except KeyError as exc:
        raise journals.UnreadableRecord(
            f"a journaled decision names trace piece {exc} its journal does not hold"
        ) from None
    except (TypeError, ValueError):
        return None
    return row if len(row) == ROW_FIELDS else None


def _same_file(path: Path, fd: int) -> bool:
    try:
        mine = os.fstat(fd)
        return mine.st_nlink > 0 and os.stat(path).st_ino == mine.st_ino
    except OSError:
        return False


def load_journal(
    conn: sqlite3.Connection,
    path: Path,
    fd: int,
    stored: set[str],
    limit: int | None = None,
    pieces: PieceTable | None = None,
) -> tuple[int, int] | None:
    """Load the journal ``path`` (open as ``fd``) from its committed offset, at most
    ``limit`` records, in one transaction; (decisions loaded, committed offset now), or
    None when the file is gone (removed once all of it was committed). SQLite's errors
    propagate, the transaction rolled back (nothing of it is in the file).

    ``pieces``: what the caller knows of the journal's numbered trace pieces
    (:class:`~cscore.store.logtext.PieceTable`, kept between calls by one who follows
    the journal); the "t" records before the committed offset that it has not read yet
    (loaded by someone else) are read first."""
    added: set[str] = set()
    if pieces is None:
        pieces = piece_table()
    try:
        conn.execute("BEGIN IMMEDIATE")
        if not _same_file(path, fd):
            conn.rollback()
            return None
        row = conn.execute("SELECT committed FROM journals WHERE name = ?", [path.name]).fetchone()
        start = row[0] if row else 0
        if pieces.own is None and pieces.scanned < start:
            skipped, _ = journals.read(fd, pieces.scanned)  # its pieces, from where it was
            recovered([record for record in skipped if record[0] == "t"], pieces)
        records, end = journals.read(fd, start, limit)
        decisions, sets = recovered(records, pieces)
        known = stored | added
        if decisions:
            insert(conn, decisions, known)
        for snapshot in sets:
            if snapshot.id not in known:
                known.add(snapshot.id)
                write_rule_files(conn, snapshot)
        added = known - stored
        if end != start or row is None:
            conn.execute(PROGRESS, (path.name, end))
        conn.commit()
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    stored |= added
    pieces.scanned = max(pieces.scanned, end)
    return len(decisions), end
