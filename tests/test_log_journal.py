"""The decision log's journal (cscore.store.journal): a decision is durable once it is
journaled, a loader process (or the store itself, on flush and close) loads it into
SQLite, and a writer that opens the log loads the journals of processes that are gone —
each decision once, a torn tail ignored. The loader process: tests/test_log_loader.py."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from cscore.errors import StoreError
from cscore.kernel import Kernel
from cscore.models.decision import Decision
from cscore.store import DecisionStore, journal, load

from .conftest import return_case


@pytest.fixture(scope="module")
def decision() -> Decision:
    with Kernel() as kernel:
        return kernel.evaluate(return_case())


def _submit(store: DecisionStore, decision: Decision, case_id: str, rule_files: Any = None) -> Any:
    return store.submit(
        {"id": case_id},
        decision,
        plugin_versions={"p": "1"},
        duration_ms=1.0,
        as_of=None,
        rule_files=rule_files,
    )


def _journals(folder: Path) -> list[Path]:
    return sorted(folder.glob("log.db.*journal-*"))


def _raw_ids(db: Path) -> list[str]:
    """The logged cases' ids in SQLite, read by a plain connection (which recovers
    nothing). The cases as logged: ``_submit`` gives one decision many case ids."""
    with sqlite3.connect(db) as conn:
        sql = "SELECT json_extract(case_json, '$.id') FROM decisions ORDER BY id"
        return [row[0] for row in conn.execute(sql)]


def _stall(store: DecisionStore) -> None:
    """Nothing loads this store's journal from now on (no loader process, and SQLite
    refuses the store's own loads; the journal still takes each decision): what is
    journaled stays out of the log."""
    store.spawn_loader = False
    store._stop_loader()

    def refuse(segment: Any) -> None:
        return None  # as a log busy past its timeout

    store._load_segment = refuse  # type: ignore[method-assign]


def _crash(store: DecisionStore) -> None:
    """The process dies now: no flush, no trim; the journal's lock goes with its file
    descriptor (as the kernel releases it at a process's death). Its loader process,
    if any, sees the end of its pipe and loads what is there (as it would then)."""
    store.spawn_loader = False
    store._stop_loader()
    writer = store._writer
    assert writer is not None
    writer._closed = True
    for segment in store._segments:
        journal.release(segment)
    store._segments = []
    if store._checkpointer is not None:
        store._checkpointer.close()
    store.db.close()


def test_a_journaled_decision_is_in_the_log_once_loaded(tmp_path, decision):
    """submit returns once journaled; the store's own reads see it at once (they load
    the journal first); record() commits directly, with its id."""
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    (path,) = _journals(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # customers' cases, as the log
    for n in range(20):
        _submit(store, decision, f"J-{n}")
    fd = os.open(path, os.O_RDONLY)
    records, _end = journal.read(fd, 0)
    os.close(fd)
    assert [json.loads(row[10])["id"] for row, _set in load.recovered(records)[0]] == [
        f"J-{n}" for n in range(20)
    ]
    assert store.count() == 20  # this process reads its own decisions
    assert store.get_decision(20)["case"]["id"] == "J-19"
    assert _submit(store, decision, "J-20").wait() == 0  # journaled: no id asked for
    assert store.count() == 21
    decision_id = store.record(
        {"id": "J-21"}, decision, plugin_versions={}, duration_ms=1, as_of=None
    )
    assert decision_id == 22  # the id, once in SQLite
    fd = os.open(path, os.O_RDONLY)
    records, _end = journal.read(fd, 0)
    os.close(fd)
    # record()'s decision was committed, not journaled (the trace pieces go first)
    assert [r[0] for r in records] == ["t"] + ["D"] * 21
    store.close()
    assert _journals(tmp_path) == []  # everything committed: the journal is removed
    assert Database(db)["journals"].count == 0  # and its progress row
    assert _raw_ids(db) == [f"J-{n}" for n in range(22)]


def test_the_loader_loads_without_being_asked(tmp_path, decision):
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    for n in range(5):
        _submit(store, decision, f"W-{n}")
    deadline = threading.Event()
    for _ in range(500):  # at most 10 s
        if len(_raw_ids(db)) == 5:
            break
        deadline.wait(0.02)
    assert _raw_ids(db) == [f"W-{n}" for n in range(5)]
    store.close()


def test_an_orphaned_journal_is_recovered_by_the_next_writer_only(tmp_path, decision):
    """A crashed process's journaled decisions: a reader does not load them (and leaves
    the journal), the next writer loads them in one go and removes the journal, with the
    rule files they were decided with."""
    db = tmp_path / "log.db"
    with Kernel(db=db) as kernel:
        kernel.evaluate(return_case())
        assert kernel.store is not None
        kernel.store.flush()
        _stall(kernel.store)
        for n in range(7):
            kernel.evaluate({**return_case(), "id": f"O-{n}"})
        _crash(kernel.store)
        kernel.store = None
    assert _raw_ids(db) == ["T-1"]
    (orphan,) = _journals(tmp_path)
    reader = DecisionStore(db, read_only=True)
    assert reader.count() == 1
    reader.close()
    assert _journals(tmp_path) == [orphan]  # a reader recovers nothing
    DecisionStore(db).close()
    assert _raw_ids(db) == ["T-1"] + [f"O-{n}" for n in range(7)]
    assert _journals(tmp_path) == []
    log = Database(db)
    sets = {row["rule_file_set"] for row in log["decisions"].rows}
    assert None not in sets and len(sets) == 1
    assert log["rule_file_sets"].count == 1
    assert log["journals"].count == 0


def test_a_journal_of_the_first_format_is_recovered_too(tmp_path, decision):
    """A journal written before an upgrade (format 1: every decision as its row) is
    loaded as one of today's, whose decisions go as their parts ("D")."""
    db = tmp_path / "log.db"
    with Kernel(db=db) as kernel:
        assert kernel.store is not None
        _stall(kernel.store)
        for n in range(3):
            kernel.evaluate({**return_case(), "id": f"V-{n}"})
        _crash(kernel.store)
        kernel.store = None
    (orphan,) = _journals(tmp_path)
    fd = os.open(orphan, os.O_RDONLY)
    records, _end = journal.read(fd, 0)
    os.close(fd)
    assert [record[0] for record in records] == ["s", "t", "D", "D", "D"]
    rows = [row for row, _set in load.recovered(records)[0]]
    old = b"cscJ\x01\x00\x00\x00" + journal.frame(records[0])
    old += b"".join(journal.frame(("d", row)) for row in rows)
    orphan.write_bytes(old)
    DecisionStore(db).close()
    assert _raw_ids(db) == ["V-0", "V-1", "V-2"]
    assert _journals(tmp_path) == []
    assert Database(db)["rule_file_sets"].count == 1


def _stalled_journal(
    folder: Path, decision: Decision, prefix: str, count: int
) -> tuple[Path, DecisionStore, Path]:
    """A store whose journal holds ``count`` decisions (``prefix``-0…) SQLite has not."""
    db = folder / "log.db"
    store = DecisionStore(db)
    _stall(store)
    for n in range(count):
        _submit(store, decision, f"{prefix}-{n}")
    (path,) = _journals(folder)
    return db, store, path


@pytest.mark.parametrize("tail", ["torn", "corrupt"])
def test_a_torn_or_corrupt_tail_is_ignored(tmp_path, decision, tail):
    db, store, path = _stalled_journal(tmp_path, decision, "X", 4)
    whole = journal.frame(("d", ("X-torn",) * 14))
    with path.open("ab") as file:
        if tail == "torn":
            file.write(whole[: len(whole) // 2])  # the crash came mid-write
        else:
            file.write(whole[:-1] + bytes([whole[-1] ^ 0xFF]))  # the crc does not match
    _crash(store)
    DecisionStore(db).close()
    assert _raw_ids(db) == [f"X-{n}" for n in range(4)]
    assert _journals(tmp_path) == []


def test_a_reader_that_starts_past_the_trace_pieces_reads_them_first(tmp_path, decision):
    """A decision names its trace's static pieces by number; they are in the journal
    once, before the first decision naming them. A reader that starts past them (its
    first part loaded by someone else, then a crash) reads them first: every decision
    is recovered."""
    db, store, path = _stalled_journal(tmp_path, decision, "P", 5)
    conn = sqlite3.connect(db)
    fd = os.open(path, os.O_RDONLY)
    assert load.load_journal(conn, path, fd, set(), limit=2) == (1, _frame_end(fd, 2))
    os.close(fd)
    conn.close()
    _crash(store)
    DecisionStore(db).close()  # recovery starts at the committed offset, past the pieces
    assert _raw_ids(db) == [f"P-{n}" for n in range(5)]
    assert _journals(tmp_path) == []


def _frame_end(fd: int, records: int) -> int:
    """Where the journal's first ``records`` records end."""
    return journal.read(fd, 0, records)[1]


def test_a_decision_naming_a_piece_its_journal_lacks_is_never_dropped(tmp_path, decision, caplog):
    """Cannot happen (the pieces go first, in the same write); if a journal lacked
    them, recovery would load nothing of it and keep the file, not lose the decision."""
    db, store, path = _stalled_journal(tmp_path, decision, "L", 1)
    fd = os.open(path, os.O_RDONLY)
    records, _end = journal.read(fd, 0)
    os.close(fd)
    _crash(store)
    assert [r[0] for r in records] == ["t", "D"]
    path.write_bytes(journal.HEADER + journal.frame(records[1]))  # the pieces left out
    DecisionStore(db).close()
    assert _raw_ids(db) == []
    assert _journals(tmp_path) == [path]  # kept for a later look
    assert "names trace piece" in caplog.text


def test_a_crash_after_the_commit_before_the_trim_replays_nothing_twice(tmp_path, decision):
    """The progress row is committed with the rows: a journal whose first decisions are
    in SQLite already is loaded from where they end."""
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    for n in range(5):
        _submit(store, decision, f"C-{n}")
    store.flush()  # committed, the journal not trimmed (it is, at rotation or close)
    (path,) = _journals(tmp_path)
    committed = (
        Database(db)
        .execute("SELECT committed FROM journals WHERE name = ?", [path.name])
        .fetchone()[0]
    )
    assert committed == path.stat().st_size
    _stall(store)
    for n in range(5, 8):
        _submit(store, decision, f"C-{n}")
    _crash(store)
    DecisionStore(db).close()
    assert _raw_ids(db) == [f"C-{n}" for n in range(8)]  # not 13
    DecisionStore(db).close()
    assert len(_raw_ids(db)) == 8


def test_a_crash_right_after_everything_was_committed_loads_nothing(tmp_path, decision):
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    for n in range(5):
        _submit(store, decision, f"D-{n}")
    store.flush()
    _crash(store)
    assert len(_journals(tmp_path)) == 1
    DecisionStore(db).close()
    assert _raw_ids(db) == [f"D-{n}" for n in range(5)]
    assert _journals(tmp_path) == []


def test_the_journal_rotates_and_old_ones_go_once_committed(tmp_path, decision):
    """Past rotate_bytes a new journal takes the decisions; the old one is removed once
    SQLite has all of it; each journal names its rule files again (a recovery of the new
    one alone has them)."""
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    store.rotate_bytes = 4 * len(journal.frame(("d", _row_of(decision))))
    seen: set[str] = set()
    snapshot = _snapshot()
    for n in range(40):
        _submit(store, decision, f"R-{n}", snapshot)
        seen |= {p.name for p in _journals(tmp_path)}
        if n % 10 == 9:
            store.flush()
            assert len(_journals(tmp_path)) == 1  # the rotated ones are gone
    assert len(seen) >= 5
    _stall(store)
    for n in range(40, 50):
        _submit(store, decision, f"R-{n}", snapshot)
    _crash(store)
    assert len(_journals(tmp_path)) >= 2  # rotated ones not committed stay
    log = Database(db)
    log.execute("DELETE FROM rule_file_sets")  # so the recovered rows must bring it
    log.conn.commit()
    DecisionStore(db).close()
    assert _raw_ids(db) == [f"R-{n}" for n in range(50)]
    assert _journals(tmp_path) == []
    assert [row["id"] for row in log["rule_file_sets"].rows] == [snapshot.id]
    assert log["journals"].count == 0


def _row_of(decision: Decision) -> tuple[Any, ...]:
    from cscore.store.logrow import log_columns

    return (decision.case_id, *log_columns(decision), *(("x",) * 10))


def _snapshot() -> Any:
    from cscore.rulebook.snapshot import FileRef, RuleSnapshot

    ref = FileRef("common", "a.yaml", "rules/common/a.yaml", "f" * 64)
    return RuleSnapshot("sha256:" + "e" * 64, (ref,), {"f" * 64: "rules: []\n"})


def test_two_stores_on_one_file_each_keep_a_journal(tmp_path, decision):
    """Two writers (HTTP workers) on one log: a journal each; a third opening leaves the
    live journals alone (they are locked); every decision is logged once, ids unique."""
    db = tmp_path / "log.db"
    first, second = DecisionStore(db), DecisionStore(db)
    assert len(_journals(tmp_path)) == 2
    for n in range(30):
        _submit(first, decision, f"A-{n}")
        _submit(second, decision, f"B-{n}")
    third = DecisionStore(db)
    assert len(_journals(tmp_path)) == 3  # nothing of the live ones was taken
    first.flush()
    second.flush()
    assert third.count() == 60  # the others' decisions, once their writers loaded them
    for store in (first, second, third):
        store.close()
    ids = _raw_ids(db)
    assert sorted(ids) == sorted([f"A-{n}" for n in range(30)] + [f"B-{n}" for n in range(30)])
    assert _journals(tmp_path) == []
    assert Database(db)["journals"].count == 0


def test_close_with_the_log_busy_leaves_the_journal_for_the_next_writer(tmp_path, decision):
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    _stall(store)
    for n in range(3):
        _submit(store, decision, f"B-{n}")
    store.close()  # warns: they stay in the journal
    assert len(_journals(tmp_path)) == 1
    DecisionStore(db).close()
    assert _raw_ids(db) == ["B-0", "B-1", "B-2"]
    assert _journals(tmp_path) == []


def test_a_busy_log_is_retried_by_the_loader_and_warned_once(tmp_path, decision, capfd):
    db = tmp_path / "log.db"
    store = DecisionStore(db, busy_timeout=0.05)
    store.loader_at = 1  # start the loader at the first decision
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    for n in range(3):
        _submit(store, decision, f"R-{n}")
    assert store._loader is not None
    for _ in range(500):
        if "retrying until the log is free" in capfd.readouterr().err:
            break
        threading.Event().wait(0.02)
    else:
        raise AssertionError("the loader did not say it retries")
    assert _raw_ids(db) == []
    other.rollback()
    other.close()
    for _ in range(500):
        if len(_raw_ids(db)) == 3:
            break
        threading.Event().wait(0.02)
    assert _raw_ids(db) == ["R-0", "R-1", "R-2"]  # loaded by the loader, no flush
    store.close()
    err = capfd.readouterr().err
    assert "retrying until the log is free" not in err  # warned once per run of failures
    assert "written again after" in err


def test_a_journal_that_cannot_be_written_is_a_store_error(tmp_path, decision, monkeypatch):
    """A full disk: the caller hears it (the kernel warns or raises, on_log_failure) and
    the journal is cut back, so the decisions after it are recovered all the same."""
    db = tmp_path / "log.db"

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    with Kernel(db=db) as kernel:
        assert kernel.store is not None
        store = kernel.store
        kernel.evaluate({**return_case(), "id": "F-0"})
        monkeypatch.setattr(journal, "_write", full)
        warned = kernel.evaluate({**return_case(), "id": "F-1"})
        assert any("decision not logged" in w and "No space" in w for w in warned.warnings)
        monkeypatch.undo()
        (path,) = _journals(tmp_path)
        size = path.stat().st_size
        _stall(store)
        kernel.evaluate({**return_case(), "id": "F-2"})
        assert path.stat().st_size > size
        _crash(store)
        kernel.store = None
    with Kernel(db=db, on_log_failure="raise") as kernel:
        monkeypatch.setattr(journal, "_write", lambda fd, data: os.write(fd, data[:10]))
        with pytest.raises(StoreError, match="short write") as caught:
            kernel.evaluate({**return_case(), "id": "F-3"})
        assert caught.value.decision.case_id == "F-3"
        monkeypatch.undo()
        kernel.evaluate({**return_case(), "id": "F-4"})
    assert _raw_ids(db) == ["F-0", "F-2", "F-4"]


def test_a_failed_write_leaves_what_it_carried_for_the_next_record(tmp_path, decision, monkeypatch):
    """The first record of a file carries the trace pieces (and rule file set) it needs;
    if its write fails, they are not counted as written: the next record carries them,
    and a recovery that knows nothing but the file loads it."""
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    _stall(store)

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal, "_write", full)
    with pytest.raises(StoreError, match="No space"):
        _submit(store, decision, "W-0")
    monkeypatch.undo()
    _submit(store, decision, "W-1")
    (path,) = _journals(tmp_path)
    fd = os.open(path, os.O_RDONLY)
    assert [r[0] for r in journal.read(fd, 0)[0]] == ["t", "D"]
    os.close(fd)
    _crash(store)
    DecisionStore(db).close()
    assert _raw_ids(db) == ["W-1"]


def test_a_journaled_store_keeps_no_queue(tmp_path, decision):
    """Journaled decisions are in the journal only: nothing waits in memory for SQLite
    (memory stays flat however far behind the loader is)."""
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    store.spawn_loader = False
    for n in range(200):
        _submit(store, decision, f"Q-{n}")
    assert store._writer is not None and store._writer.queued == 0
    assert _raw_ids(db) == []  # nobody loaded them yet
    store.close()  # loads them
    assert len(_raw_ids(db)) == 200


def test_log_wait_false_journals_and_never_waits_for_sqlite(tmp_path):
    """log_wait=False: decisions are journaled as by default (durable on return), and
    nothing waits for SQLite: evaluate_logged answers without the id; close loads all."""
    db = tmp_path / "log.db"
    with Kernel(db=db, log_wait=False) as kernel:
        assert kernel.store is not None and kernel.store.journaled
        assert kernel.store._writer is not None and kernel.store._writer._thread is None
        for n in range(30):
            kernel.evaluate({**return_case(), "id": f"N-{n}"})
        assert len(_journals(tmp_path)) == 1
        _decision, decision_id = kernel.evaluate_logged(return_case())
        assert decision_id is None  # not waited for: the loader or close() commits it
    assert len(_raw_ids(db)) == 31


def test_queued_mode_without_a_journal_commits_on_its_thread(tmp_path):
    """log_journal=False, log_wait=False: queued for the writer thread, no journal (a
    crash may lose the last ones, as documented); close commits everything."""
    db = tmp_path / "log.db"
    with Kernel(db=db, log_wait=False, log_journal=False) as kernel:
        for n in range(30):
            kernel.evaluate({**return_case(), "id": f"N-{n}"})
        assert _journals(tmp_path) == []
        assert kernel.store is not None and not kernel.store.journaled
        _decision, decision_id = kernel.evaluate_logged(return_case())
        assert decision_id is None  # queued: the id is not known yet
    assert len(_raw_ids(db)) == 31


def test_without_a_journal_each_evaluation_waits_for_its_commit(tmp_path):
    db = tmp_path / "log.db"
    with Kernel(db=db, log_journal=False) as kernel:
        kernel.evaluate(return_case())
        assert _journals(tmp_path) == []
        assert _raw_ids(db) == ["T-1"]  # committed before evaluate returned
        assert kernel.evaluate_logged(return_case())[1] == 2


def test_evaluate_logged_and_many_with_the_journal(tmp_path):
    """evaluate_logged answers with the id (it waits for SQLite); evaluate_many returns
    once every decision is journaled, and they are all logged, in order."""
    db = tmp_path / "log.db"
    with Kernel(db=db) as kernel:
        _decision, decision_id = kernel.evaluate_logged(return_case())
        assert decision_id == 1
        assert _raw_ids(db) == ["T-1"]
        kernel.evaluate_many([{**return_case(), "id": f"M-{n}"} for n in range(100)])
        assert kernel.store is not None
        assert kernel.store.count() == 101
    assert _raw_ids(db) == ["T-1"] + [f"M-{n}" for n in range(100)]


def test_a_journal_is_read_a_window_at_a_time_whatever_its_frames_sizes(
    tmp_path, decision, monkeypatch
):
    """Reading in windows smaller than a frame, or cutting frames at a window's end,
    gives the same records as reading the whole file; a limit stops at that many."""
    store = DecisionStore(tmp_path / "log.db")
    store.spawn_loader = False
    for n in range(12):
        _submit(store, decision, f"W-{n}", _snapshot() if n == 5 else None)
    segment = store._segments[-1]
    whole, end = journal.read(segment.fd, 0)
    for window in (64, 1000, 4096):
        monkeypatch.setattr(journal, "READ_WINDOW", window)
        assert journal.read(segment.fd, 0) == (whole, end)
        assert journal.read(segment.fd, 0, limit=3)[0] == whole[:3]
    logged = [json.loads(row[10])["id"] for row, _set in load.recovered(whole)[0]]  # case_json
    assert logged == [f"W-{n}" for n in range(12)]
    store.close()
