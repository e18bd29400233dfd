"""The loader process: loads one store's journals into SQLite behind its callers.

``python -m cscore.store.loader LOG`` (or the lighter :data:`BOOT`) is started by a journaled
:class:`~cscore.store.DecisionStore` once it has decisions waiting (not for a one-shot
CLI run, which loads its one decision itself on close). Being another process, its
SQLite work does not compete with the evaluating threads for the owner's GIL, as a
writer thread in the owner did.

Its standard input is a pipe from the owner, who writes the name of each journal it
appends to, one a line, in the order it created them (rotation). Every
:data:`POLL` seconds the loader loads the whole frames beyond each journal's committed
offset (:func:`cscore.store.load.load_journal`: inside ``BEGIN IMMEDIATE``, after
re-reading the offset, so the owner loading at the same time never duplicates a
decision), at most :data:`BATCH` per transaction. A journal older than the newest is
complete once the newer one is named (the owner names it after its last append to the
old one): loaded to its end, it is let go. The loader never removes a journal (its owner
does, once it is committed, or the next writer's recovery does).

End of file on the pipe — the owner closed the store, or died — makes it load what is
there and exit. SIGINT is ignored (a Ctrl-C in a terminal reaches the whole process
group; the owner decides). It runs at a lower priority (:data:`NICENESS`). A log that
stays busy is retried every round, with one warning per run of failures on standard
error.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cscore.store.checkpoint import Checkpointer
from cscore.store.load import load_journal, piece_table

# How the store starts it: ``python -c BOOT <folder of the cscore package> LOG``. The
# packages cscore and cscore.store are stood in for by empty ones, so that their
# ``__init__`` (pydantic, sqlite-utils, the rulebook: ~0.25 s of CPU) is not run: the
# loader needs only this module, load, journal, checkpoint and errors (the stdlib).
BOOT = """
import sys, types
root = sys.argv.pop(1)
for name, folder in (("cscore", "/cscore"), ("cscore.store", "/cscore/store")):
    package = types.ModuleType(name)
    package.__path__ = [root + folder]
    sys.modules[name] = package
from cscore.store.loader import main
sys.exit(main())
"""

POLL = 0.03  # seconds between looks at the journals
BATCH = 1024  # decisions per transaction: bounds how long the loader holds the lock
BUSY_TIMEOUT = 5.0  # the loader may wait for the write lock: nobody waits for it
# Background work: on a machine whose cores are all busy the evaluating process goes
# first (its decisions are durable already; it loads the journal itself when it needs
# to). At 10 it still gets a tenth of a contended core: it falls behind, never stops.
NICENESS = 10

logger = logging.getLogger("cscore.store.loader")


@dataclass(eq=False)
class _Journal:
    path: Path
    fd: int
    tried: int = -1  # the file's size when it was last loaded to its whole end
    committed: int = 0  # how far SQLite has it, as the last load said
    pieces: Any = None  # its numbered trace pieces read so far (logtext.PieceTable)


class Loader:
    """The journals of one owner and one connection to its log."""

    def __init__(self, log: Path, connection: sqlite3.Connection) -> None:
        self.log = log
        self.conn = connection
        self.journals: list[_Journal] = []
        self.stored: set[str] = set()  # rule file sets this loader has written
        self.failures = 0
        self.loaded = 0  # decisions loaded (all rounds)
        self.checkpointer: Checkpointer | None = None

    def follow(self, name: str) -> None:
        """Start following the owner's journal ``name`` (one beside the log)."""
        path = self.log.with_name(Path(name).name)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return  # removed already: the owner had it all committed
        self.journals.append(_Journal(path, fd))

    def round(self) -> None:
        """Load what is new in each journal, oldest first."""
        for journal in list(self.journals):
            newest = journal is self.journals[-1]
            if not self._load(journal) or not newest:
                self.journals.remove(journal)  # gone, or complete and loaded
                os.close(journal.fd)

    def _load(self, journal: _Journal) -> bool:
        """Load the journal's new frames; False once its file is gone. A busy log keeps
        what is left for the next round (and a journal older than the newest with it)."""
        while True:
            try:
                size = os.fstat(journal.fd).st_size
                if size == journal.tried:
                    return True
                if journal.pieces is None:
                    journal.pieces = piece_table()
                result = load_journal(
                    self.conn, journal.path, journal.fd, self.stored, BATCH, journal.pieces
                )
            except (sqlite3.Error, OSError) as exc:
                self.failures += 1
                if self.failures == 1:
                    logger.warning("%s: %s; retrying until the log is free", journal.path, exc)
                raise _Busy from None
            if self.failures:
                logger.warning("the decision log is written again after %d tries", self.failures)
                self.failures = 0
            if result is None:
                return False
            count, end = result
            self.loaded += count
            if count and self.checkpointer is not None:
                self.checkpointer.committed(count)
            # Done when SQLite has it to the size seen (the records counted include rule
            # file sets, so fewer decisions than BATCH does not mean the end), or when
            # nothing more would load (a torn tail: the owner is still writing it).
            if end >= size or end == journal.committed:
                journal.tried = size
                journal.committed = end
                return True
            journal.committed = end

    def close(self) -> None:
        for journal in self.journals:
            os.close(journal.fd)
        self.journals = []


class _Busy(Exception):
    """The log refused this round; the next one tries again."""


def serve(log: Path, commands: int) -> int:
    """Follow the journals named on ``commands`` until it ends; decisions loaded."""
    uri = f"{log.resolve().as_uri()}?mode=rw"  # never creates a log
    connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)
    connection.execute("PRAGMA synchronous=NORMAL")  # as the owner: per connection
    connection.execute("PRAGMA wal_autocheckpoint=0")  # the checkpoint thread does them
    connection.execute("PRAGMA foreign_keys=ON")
    loader = Loader(log, connection)
    loader.checkpointer = Checkpointer(str(log))
    pending = b""
    try:
        while True:
            ready, _, _ = select.select([commands], [], [], POLL)
            ended = False
            if ready:
                chunk = os.read(commands, 65536)
                ended = not chunk
                *names, pending = (pending + chunk).split(b"\n")
                for name in names:
                    if name:
                        loader.follow(os.fsdecode(name))
            try:
                loader.round()
            except _Busy:
                if ended:
                    return loader.loaded  # the next writer's recovery loads the rest
                continue
            if ended:
                return loader.loaded
    finally:
        loader.close()
        loader.checkpointer.close()
        connection.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m cscore.store.loader LOG (journal names on stdin)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.nice(NICENESS)
    except OSError:
        pass  # not allowed here: it runs at its owner's priority
    logging.basicConfig(level=logging.WARNING, format="cscore loader: %(message)s")
    try:
        serve(Path(args[0]), sys.stdin.fileno())
    except sqlite3.Error as exc:
        logger.warning("cannot load into %s: %s", args[0], exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
