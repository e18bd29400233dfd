"""A reload asked of one worker reaches every worker.

Workers share nothing but the decision log's SQLite file, so a reload is recorded there:
the worker that is asked bumps a generation counter, and every worker reads the counter
before it serves a request that uses the rules (one indexed read of a one-row table,
WAL: never blocked by the writers) and reloads its kernel when the counter moved.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

from cscore.errors import StoreError
from cscore.rulebook.library import ReloadReport

_CREATE = (
    "CREATE TABLE IF NOT EXISTS server_reloads "
    "(id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL)"
)


class ReloadSignal:
    """The reload generation of one log file, as one worker sees it."""

    def __init__(self, db: str, reload: Callable[[], ReloadReport]) -> None:
        self._reload = reload
        self._lock = threading.Lock()  # the connection: one thread at a time
        self._reloading = threading.Lock()
        self._memory = db == ":memory:"  # one process: a counter of its own suffices
        self._generation = 0
        if not self._memory:
            try:
                self._conn = sqlite3.connect(db, check_same_thread=False, timeout=10)
                self._conn.execute("PRAGMA journal_mode=WAL")
                with self._conn:
                    self._conn.execute(_CREATE)
                    self._conn.execute(
                        "INSERT OR IGNORE INTO server_reloads (id, generation) VALUES (1, 0)"
                    )
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open the decision log {db}: {exc}") from None
        self.seen = self.generation()

    def generation(self) -> int:
        if self._memory:
            return self._generation
        with self._lock:
            try:
                row = self._conn.execute(
                    "SELECT generation FROM server_reloads WHERE id = 1"
                ).fetchone()
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read the reload generation: {exc}") from None
        return int(row[0]) if row else 0

    def announce(self) -> int:
        """Record a reload for every worker; the new generation."""
        if self._memory:
            self._generation += 1
            return self._generation
        with self._lock:
            try:
                with self._conn:
                    self._conn.execute(
                        "UPDATE server_reloads SET generation = generation + 1 WHERE id = 1"
                    )
                    row = self._conn.execute(
                        "SELECT generation FROM server_reloads WHERE id = 1"
                    ).fetchone()
            except sqlite3.Error as exc:
                raise StoreError(f"reload not recorded for the other workers: {exc}") from None
        return int(row[0])

    def reload_everywhere(self) -> tuple[int, ReloadReport]:
        """Reload this worker now and announce it to the others: (generation, report)."""
        generation = self.announce()
        with self._reloading:
            report = self._reload()
            self.seen = generation
        return generation, report

    def catch_up(self) -> None:
        """Reload now when another worker announced a reload since this one last did."""
        current = self.generation()
        if current != self.seen:
            self.reload_to(current)

    def reload_to(self, generation: int) -> None:
        """Reload the kernel (once, whichever of this worker's threads gets here first)."""
        with self._reloading:
            if generation != self.seen:
                self._reload()
                self.seen = generation

    def writable(self) -> bool:
        """Can this worker write the file (a write lock is obtainable)?"""
        if self._memory:
            return True
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                return False
        return True

    def close(self) -> None:
        if not self._memory:
            with self._lock:
                self._conn.close()
