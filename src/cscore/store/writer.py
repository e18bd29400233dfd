"""Group commit: one writer thread commits whatever decisions are waiting at once.

A caller hands its decision (already serialised) to :meth:`GroupCommit.submit` and
gets a :class:`Ticket`; the writer takes everything queued, writes it in one
transaction and wakes each ticket with its decision's id, or with the error that
kept the transaction from committing (then none of that batch is in the file). A
commit in WAL mode with ``synchronous=NORMAL`` survives the process being killed, so
a caller that waited for its ticket has a decision that a ``kill -9`` cannot lose.
While one transaction commits the next batch queues up: many callers (threads, or
:meth:`cscore.kernel.Kernel.evaluate_many`) share one commit instead of one each.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from cscore.errors import StoreError

MAX_BATCH = 1024  # decisions per transaction: bounds the time one commit holds the lock


class Ticket:
    """One queued decision: :meth:`wait` returns its id once it is committed."""

    __slots__ = ("_done", "error", "id", "item")

    def __init__(self, item: Any) -> None:
        self.item = item
        self.id: int | None = None
        self.error: BaseException | None = None
        self._done = threading.Event()

    def resolve(self, decision_id: int | None, error: BaseException | None) -> None:
        self.id, self.error = decision_id, error
        self.item = None  # the row is written: do not keep it alive
        self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> int:
        if not self._done.wait(timeout):
            raise StoreError("decision not logged: the log writer did not answer in time")
        if self.error is not None:
            raise self.error
        assert self.id is not None
        return self.id


_STOP = object()


class GroupCommit:
    """The writer thread; ``write(items) -> ids`` writes one batch in one transaction."""

    def __init__(
        self,
        write: Callable[[list[Any]], list[int]],
        *,
        after_commit: Callable[[int], None] | None = None,
        name: str = "cscore-log-writer",
    ) -> None:
        self._write = write
        self._after_commit = after_commit
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: Any) -> Ticket:
        if self._closed:
            raise StoreError("decision not logged: the decision log is closed")
        ticket = Ticket(item)
        self._queue.put(ticket)
        return ticket

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[Ticket]) -> None:
        try:
            ids = self._write([ticket.item for ticket in batch])
        except BaseException as exc:  # every caller hears why, none waits forever
            error = (
                exc if isinstance(exc, StoreError) else StoreError(f"decision not logged: {exc}")
            )
            for ticket in batch:
                ticket.resolve(None, error)
            return
        for ticket, decision_id in zip(batch, ids, strict=True):
            ticket.resolve(decision_id, None)
        if self._after_commit is not None:
            try:
                self._after_commit(len(batch))
            except Exception:  # a checkpoint nudge failing never fails a decision
                pass

    def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join()
