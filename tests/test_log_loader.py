"""The loader process (cscore.store.loader): it loads a store's journal into SQLite with
no call from the store, never twice beside the store's own loads, is stopped and reaped
when the store closes, finishes and exits when its owner is killed, and is not started
for a one-shot run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cscore.cli import cli
from cscore.kernel import Kernel
from cscore.models.decision import Decision
from cscore.store import DecisionStore, loader
from cscore.store import store as store_module

from .conftest import return_case


@pytest.fixture(scope="module")
def decision() -> Decision:
    with Kernel() as kernel:
        return kernel.evaluate(return_case())


def _submit(store: DecisionStore, decision: Decision, case_id: str) -> None:
    store.submit({"id": case_id}, decision, plugin_versions={"p": "1"}, duration_ms=1.0, as_of=None)


def _raw_ids(db: Path) -> list[str]:
    """The logged case ids in SQLite, by a plain connection (which loads nothing)."""
    with sqlite3.connect(db) as conn:
        sql = "SELECT json_extract(case_json, '$.id') FROM decisions ORDER BY id"
        return [row[0] for row in conn.execute(sql)]


def _until(condition: Any, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended but not reaped by its new parent,
    does not count: it loads nothing)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_one_decision_reaches_sqlite_with_no_further_call(tmp_path, decision):
    """A lone decision: the loader is started a moment later and loads it; nothing in
    this process flushes, reads or closes meanwhile."""
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    _submit(store, decision, "L-0")
    assert store._loader is None  # not at once: a one-shot run would not pay for it
    assert _until(lambda: _raw_ids(db) == ["L-0"])
    assert store._loader is not None and store._loader.poll() is None  # it, not us
    with open(f"/proc/{store._loader.pid}/stat", encoding="ascii") as stat:
        nice = int(stat.read().rsplit(")", 1)[1].split()[16])
    assert nice == os.nice(0) + loader.NICENESS  # background work: the callers go first
    store.close()


def test_the_loader_follows_rotation(tmp_path, decision, monkeypatch):
    monkeypatch.setattr(store_module, "LOADER_BEHIND", 10**6)  # the callers never help
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    store.loader_at = 1
    store.rotate_bytes = 4096
    for n in range(60):
        _submit(store, decision, f"R-{n}")
    assert len(store._segments) >= 3  # it rotated
    assert _until(lambda: len(_raw_ids(db)) == 60)
    assert _raw_ids(db) == [f"R-{n}" for n in range(60)]  # in order, each once
    store.close()
    assert list(tmp_path.glob("log.db.*journal-*")) == []


def test_a_caller_loads_the_backlog_when_the_loader_falls_behind(tmp_path, decision):
    """A loader starved of CPU (here: none at all) leaves rotated journals behind; past
    LOADER_BEHIND of them a caller loads them itself, so journals, their descriptors and
    the memory they take stay bounded, and every decision is in SQLite once."""
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    store.spawn_loader = False
    store.rotate_bytes = 4096
    most = 0
    for n in range(120):
        _submit(store, decision, f"B-{n}")
        most = max(most, len(store._segments))
    assert most <= store_module.LOADER_BEHIND + 2  # the live one, and the ones behind
    assert len(_raw_ids(db)) > 60  # loaded by the callers, with no loader and no flush
    store.close()
    assert _raw_ids(db) == [f"B-{n}" for n in range(120)]


def test_owner_and_loader_loading_together_never_duplicate(tmp_path, decision):
    """The store flushes (loads) while its loader loads the same journal: many rounds,
    every decision once, in order."""
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    store.loader_at = 1
    expected: list[str] = []
    for round_ in range(40):
        for n in range(15):
            _submit(store, decision, f"D-{round_}-{n}")
            expected.append(f"D-{round_}-{n}")
        if round_ % 2:
            time.sleep(0.03)  # let the loader be at it too
        store.flush()
        assert store.count() == len(expected)
    assert store._loader is not None and store._loader.poll() is None
    store.close()
    assert _raw_ids(db) == expected


def test_close_stops_and_reaps_the_loader(tmp_path, decision):
    db = tmp_path / "log.db"
    store = DecisionStore(db)
    store.loader_at = 1
    for n in range(10):
        _submit(store, decision, f"C-{n}")
    assert store._loader is not None
    pid = store._loader.pid
    store.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped already: no zombie left
    assert not _alive(pid)
    assert list(tmp_path.glob("log.db.*journal-*")) == []
    assert _raw_ids(db) == [f"C-{n}" for n in range(10)]


OWNER = textwrap.dedent(
    """
    import json, sys, time
    from cscore.kernel import Kernel

    kernel = Kernel(db=sys.argv[1])
    kernel.store.loader_at = 1
    base = json.loads(sys.argv[2])
    for n in range(200):
        kernel.evaluate({**base, "id": f"K-{n}"})
    print(kernel.store._loader.pid, flush=True)
    time.sleep(600)  # until killed
    """
)


def test_owner_killed_the_loader_finishes_and_exits(tmp_path):
    """SIGKILL to the owner: its loader sees the pipe end, loads what is journaled and
    exits (no orphan left running); the next writer's recovery loads nothing twice."""
    db = tmp_path / "log.db"
    script = tmp_path / "owner.py"
    script.write_text(OWNER, encoding="utf-8")
    owner = subprocess.Popen(
        [sys.executable, str(script), str(db), json.dumps(return_case())],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    pid = int(owner.stdout.readline())
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    assert _until(lambda: not _alive(pid), 30)  # it ended on its own
    assert _raw_ids(db) == [f"K-{n}" for n in range(200)]  # it loaded everything first
    assert len(list(tmp_path.glob("log.db.journal-*"))) == 1  # it removes no journal
    DecisionStore(db).close()  # recovery: the journal is committed to its end already
    assert _raw_ids(db) == [f"K-{n}" for n in range(200)]
    assert list(tmp_path.glob("log.db.*journal-*")) == []


def test_a_one_shot_cli_run_starts_no_loader(tmp_path, monkeypatch):
    """`cscore evaluate case.json` logs one decision and closes: it loads it itself,
    no process is started for it."""
    started: list[Any] = []
    real = store_module.subprocess.Popen

    def counting(*args: Any, **kwargs: Any) -> Any:
        started.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(store_module.subprocess, "Popen", counting)
    case = tmp_path / "case.json"
    case.write_text(json.dumps(return_case()), encoding="utf-8")
    db = tmp_path / "log.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "evaluate", str(case)])
    assert result.exit_code == 0, result.output
    assert started == []
    assert _raw_ids(db) == [return_case()["id"]]
    assert list(tmp_path.glob("log.db.*journal-*")) == []


def test_retention_prunes_as_decisions_are_journaled(tmp_path, decision, monkeypatch):
    """The loader does not prune: the store counts journaled decisions and prunes every
    PRUNE_EVERY of them, as it did when its own thread committed them."""
    monkeypatch.setattr(store_module, "PRUNE_EVERY", 5)
    db = tmp_path / "log.db"
    store = DecisionStore(db, retention="1d")
    store.spawn_loader = False
    store.record({"id": "OLD"}, decision, plugin_versions={}, duration_ms=1, as_of=None)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE decisions SET decided_at = '2000-01-01T00:00:00+08:00'")
    for n in range(3):
        _submit(store, decision, f"P-{n}")
    assert _raw_ids(db) == ["OLD"]
    _submit(store, decision, "P-3")  # the fifth since the last prune (with the record)
    assert _raw_ids(db) == []  # pruned, with no flush (the new ones are journaled)
    store.close()
    assert _raw_ids(db) == [f"P-{n}" for n in range(4)]


def test_a_forked_child_closes_its_copy_of_the_loader_pipe(tmp_path):
    """A host that forks after the loader started: the child closes its copy of the
    pipe, so the loader still sees its end when the store closes (no 30 s wait)."""
    store = DecisionStore(tmp_path / "log.db")
    store._start_loader()
    assert store._loader is not None and store._loader.stdin is not None
    fd = store._loader.stdin.fileno()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: is the inherited descriptor still open?
        try:
            os.fstat(fd)
            os.write(write, b"open")
        except OSError:
            os.write(write, b"closed")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 16)
    os.waitpid(child, 0)
    started = time.monotonic()
    store.close()
    assert answer == b"closed"
    assert time.monotonic() - started < 10  # the loader ended on its pipe, not killed
