"""The decision log's journal and group commit: a decision reported as logged survives kill -9,
decisions waiting together share a transaction, the queued mode loses nothing on close,
and checkpoints run off the request path."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from cscore.kernel import Kernel
from cscore.store import DecisionStore, journal

from .conftest import return_case

LOGGER = textwrap.dedent(
    """
    import json, sys
    from cscore.kernel import Kernel

    db, mode = sys.argv[1], sys.argv[2]
    base = json.loads(sys.argv[3])
    kernel = Kernel(db=db)
    n = 0
    while True:  # until killed
        if mode == "one":
            kernel.evaluate({**base, "id": f"K-{n}"})
            print(f"K-{n}", flush=True)  # evaluate returned: the decision is committed
            n += 1
        else:
            batch = [{**base, "id": f"K-{n + i}"} for i in range(50)]
            kernel.evaluate_many(batch)
            print("\\n".join(case["id"] for case in batch), flush=True)
            n += 50
    """
)


def _journaled(folder: Path) -> tuple[list[Path], set[str]]:
    """The journals left in ``folder`` and the case ids of the decisions they hold."""
    paths = sorted(folder.glob("log.db.journal-*"))
    ids: set[str] = set()
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            records, _end = journal.read(fd, 0)
        finally:
            os.close(fd)
        ids |= {record[1][0] for record in records if record[0] in ("d", "D")}  # case_id
    return paths, ids


def _case_ids(db: Path) -> list[str]:
    return [row["case_id"] for row in Database(db).query("SELECT case_id FROM decisions")]


@pytest.mark.parametrize("mode", ["one", "many"])
def test_kill_9_loses_no_committed_decision(tmp_path: Path, mode: str) -> None:
    """A process logging decisions is killed with SIGKILL mid-stream; every decision it
    reported as logged (evaluate or evaluate_many had returned) is in its journal or in
    SQLite, and in SQLite once a writer opens the log again (recovery), once."""
    db = tmp_path / "log.db"
    script = tmp_path / "logger.py"
    script.write_text(LOGGER, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), str(db), mode, json.dumps(return_case())],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    reported: list[str] = []
    deadline = time.monotonic() + 60
    while len(reported) < 300 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        reported.append(line.strip())
    os.kill(process.pid, signal.SIGKILL)  # mid-stream: more decisions were in flight
    rest = process.stdout.read()  # what it printed before it died
    process.wait()
    reported += [line for line in rest.splitlines() if line]
    assert process.returncode == -signal.SIGKILL
    assert len(reported) >= 300
    # Before recovery (a plain connection recovers nothing): the dead process's journal
    # is left, and holds every reported decision SQLite does not have yet.
    in_sqlite = set(_case_ids(db))
    paths, journaled = _journaled(tmp_path)
    assert len(paths) == 1 and journaled
    assert stat.S_IMODE(paths[0].stat().st_mode) == 0o600
    assert {case_id for case_id in reported if case_id not in in_sqlite} <= journaled
    assert set(reported) <= journaled  # one journal file: all it wrote since it started
    DecisionStore(db).close()  # a writer opens the log: the orphaned journal is loaded
    logged = _case_ids(db)
    assert [case_id for case_id in reported if case_id not in logged] == []
    assert len(logged) == len(set(logged))  # nothing twice
    assert set(logged) == in_sqlite | journaled
    assert list(tmp_path.glob("log.db.*journal-*")) == []  # removed once loaded
    DecisionStore(db).close()  # a second opening finds nothing to load
    assert _case_ids(db) == logged
    assert Database(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_decisions_waiting_together_share_a_transaction(tmp_path: Path) -> None:
    """Eight threads logging at once, each waiting for its commit (no journal): every
    decision is there once, and the leaders committed several per transaction."""
    batches: list[int] = []
    with Kernel(db=tmp_path / "log.db", log_journal=False) as kernel:
        assert kernel.store is not None
        writer = kernel.store._writer
        write = writer._write

        def counting(items: list) -> list[int]:
            batches.append(len(items))
            return write(items)

        writer._write = counting
        kernel.evaluate_many([{**return_case(), "id": f"W-{n}"} for n in range(100)])

        def work(worker: int) -> None:
            for n in range(40):
                kernel.evaluate({**return_case(), "id": f"T-{worker}-{n}"})

        threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    rows = list(Database(tmp_path / "log.db").query("SELECT id, case_id FROM decisions"))
    assert len(rows) == 420 == len({row["case_id"] for row in rows})
    assert sorted(row["id"] for row in rows) == list(range(1, 421))
    assert sum(batches) == 420
    assert len(batches) < 420  # some commits carried more than one decision
    assert max(batches) > 1


def test_queued_mode_commits_everything_on_close(tmp_path: Path) -> None:
    with Kernel(db=tmp_path / "log.db", log_wait=False) as kernel:
        for n in range(200):
            kernel.evaluate({**return_case(), "id": f"Q-{n}"})
    assert Database(tmp_path / "log.db")["decisions"].count == 200


def test_flush_waits_for_what_is_queued(tmp_path: Path) -> None:
    with Kernel(db=tmp_path / "log.db", log_wait=False) as kernel:
        assert kernel.store is not None
        kernel.evaluate_many([{**return_case(), "id": f"F-{n}"} for n in range(50)])
        kernel.store.flush()
        assert Database(tmp_path / "log.db")["decisions"].count == 50


def test_checkpoints_run_on_their_own_thread(tmp_path: Path) -> None:
    """No automatic checkpoint inside a commit; the checkpoint thread runs instead."""
    store = DecisionStore(tmp_path / "log.db")
    assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    assert store._checkpointer is not None
    store._checkpointer.every = 5
    with Kernel() as kernel:
        decision = kernel.evaluate(return_case())
    for n in range(30):
        store.record({"id": f"C-{n}"}, decision, plugin_versions={}, duration_ms=1, as_of=None)
    deadline = time.monotonic() + 10
    while store._checkpointer.done == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store._checkpointer.done >= 1
    store.close()


def test_rule_hits_read_from_the_decision(tmp_path: Path) -> None:
    """The rule_hits view gives each trace entry's rule, key and what it set."""
    with Kernel(db=tmp_path / "log.db") as kernel:
        decision = kernel.evaluate(return_case())
    hits = list(Database(tmp_path / "log.db").query("SELECT * FROM rule_hits ORDER BY seq"))
    trace = decision.to_json_dict()["trace"]
    assert [(h["seq"], h["rule"], h["key"]) for h in hits] == [
        (n, e["rule"], e.get("key") or e["rule"]) for n, e in enumerate(trace)
    ]
    assert [json.loads(h["set_json"]) for h in hits] == [e.get("set", {}) for e in trace]
    db = Database(tmp_path / "log.db")
    db.execute("DELETE FROM rule_hits WHERE decision_id = 1")  # a no-op, not an error
    assert db["decisions"].count == 1
