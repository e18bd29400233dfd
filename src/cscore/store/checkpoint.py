"""WAL checkpoints off the request path.

SQLite's automatic checkpoint runs inside the commit that crosses the threshold, so
every ~50th decision paid for copying the WAL back into the database (the p99 of a
logged evaluation). The store turns it off (``wal_autocheckpoint=0``) and this thread,
on its own connection, checkpoints passively once enough has been committed (a passive
checkpoint never blocks the writer), and restarts the WAL when it has grown long.
"""

from __future__ import annotations

import sqlite3
import threading

CHECKPOINT_EVERY = 500  # decisions between checkpoints
# A passive checkpoint never finishes while decisions keep coming (new frames arrive as
# it copies), and the WAL restarts from the top only after one that did: under a steady
# load it grew without end (57 MiB of wal-index in RSS after 1,000,000 decisions). Past
# this many bytes of frames (40 MiB of WAL) the thread runs a RESTART checkpoint instead:
# the writer waits for it once (its busy timeout), and the WAL starts again from the top.
# In bytes, not frames: a log with smaller pages writes more frames for the same WAL.
RESTART_BYTES = 10_000 * 4096


def _page_size(connection: sqlite3.Connection) -> int:
    try:
        return int(connection.execute("PRAGMA page_size").fetchone()[0]) or 4096
    except sqlite3.Error:
        return 4096


class Checkpointer:
    def __init__(self, path: str, every: int = CHECKPOINT_EVERY) -> None:
        self.path = path
        self.every = every
        self._commits = 0
        self.done = 0  # checkpoints run (observable by tests and benchmarks)
        self.restart_frames = RESTART_BYTES // 4096  # set for the file's pages once open
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="cscore-log-checkpoint", daemon=True)
        self._thread.start()

    def committed(self, count: int = 1) -> None:
        """Called after each commit; wakes the thread every ``every`` commits."""
        self._commits += count
        if self._commits >= self.every:
            self._commits = 0
            self._wake.set()

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, check_same_thread=False)
        except sqlite3.Error:
            return  # no checkpoints: the WAL grows until the store closes (it checkpoints)
        try:
            self.restart_frames = RESTART_BYTES // _page_size(connection)
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    _busy, frames, _copied = connection.execute(
                        "PRAGMA wal_checkpoint(PASSIVE)"
                    ).fetchone()
                    if frames > self.restart_frames:
                        connection.execute("PRAGMA wal_checkpoint(RESTART)")
                    self.done += 1
                except sqlite3.Error:
                    pass  # busy or gone: the next round tries again
        finally:
            connection.close()

    def close(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()
