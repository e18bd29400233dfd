"""Group commit: whatever decisions are waiting are committed in one transaction.

A caller hands its decision (already serialised) to :meth:`GroupCommit.submit` and
gets a :class:`Ticket`. :meth:`Ticket.wait` makes the caller the *leader* if no other
commit is under way: it takes everything queued — its own decision and those of every
other thread (or of a whole :meth:`cscore.kernel.Kernel.evaluate_many` batch) — writes
it in one transaction and wakes each ticket with its id, or with the error that kept
the transaction from committing (then none of that batch is in the file). Callers that
queue while a leader commits wait for it and then commit together. A lone caller thus
commits on its own thread, with no hand-over to another one; many callers share a
commit. A commit in WAL mode with ``synchronous=NORMAL`` survives the process being
killed, so a decision whose ``wait`` returned cannot be lost by a ``kill -9``.

A store that does not wait (opt-in) has a writer thread commit what is queued instead.

A journaled store (:mod:`cscore.store.journal`) has its journal loaded by a loader
process (:mod:`cscore.store.loader`) and uses this only for the decisions whose id a
caller waits for.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import Any

from cscore.errors import StoreError

MAX_BATCH = 1024  # decisions per transaction: bounds the time one commit holds the lock


class Ticket:
    """One queued decision: :meth:`wait` returns its id once it is committed.

    ``done`` is a plain flag, not an Event: nobody sleeps on a ticket. A caller waits
    for the leader lock (:meth:`GroupCommit.commit_until`), which the leader releases
    after it has resolved every ticket of its batch."""

    __slots__ = ("_group", "done", "error", "id", "item")

    def __init__(self, item: Any, group: GroupCommit) -> None:
        self.item = item
        self.id: int | None = None
        self.error: BaseException | None = None
        self.done = False
        self._group = group

    def resolve(self, decision_id: int | None, error: BaseException | None) -> None:
        self.id, self.error = decision_id, error
        self.item = None  # the row is written: do not keep it alive
        self.done = True

    def wait(self) -> int:
        """Commit (as the leader) or wait for the commit that takes this decision."""
        if not self.done:
            self._group.commit_until(self)
        if self.error is not None:
            raise self.error
        assert self.id is not None
        return self.id


class GroupCommit:
    """Queued decisions; ``write(items) -> ids`` writes one batch in one transaction.

    :param background: also run a writer thread that commits whatever is queued (the
        store's "queued" mode, where no caller waits)."""

    def __init__(
        self,
        write: Callable[[list[Any]], list[int]],
        *,
        after_commit: Callable[[int], None] | None = None,
        background: bool = False,
    ) -> None:
        self._write = write
        self._after_commit = after_commit
        self._queue: collections.deque[Ticket] = collections.deque()
        self._leader = threading.Lock()  # held by the one caller committing now
        self._closed = False
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._run, name="cscore-log-writer", daemon=True)
            self._thread.start()

    def submit(self, item: Any) -> Ticket:
        if self._closed:
            raise StoreError("decision not logged: the decision log is closed")
        ticket = Ticket(item, self)
        self._queue.append(ticket)
        if self._thread is not None and not self._wake.is_set():
            self._wake.set()
        return ticket

    @property
    def queued(self) -> int:
        return len(self._queue)

    def commit_until(self, ticket: Ticket) -> None:
        """Lead commits until ``ticket`` is committed (another leader may commit it)."""
        while not ticket.done:
            with self._leader:
                if not ticket.done:
                    self._drain()

    def _drain(self) -> None:
        """Commit everything queued, MAX_BATCH at a time (the leader lock is held)."""
        queue = self._queue
        while queue:
            if len(queue) == 1:  # a lone caller: the common case
                self._commit([queue.popleft()])
                continue
            batch: list[Ticket] = []
            while queue and len(batch) < MAX_BATCH:
                batch.append(queue.popleft())
            self._commit(batch)

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

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            with self._leader:
                self._drain()  # a failed commit fails its tickets: nothing to retry

    def flush(self) -> bool:
        """Commit everything queued so far (a failure is told to its tickets)."""
        with self._leader:
            self._drain()
        return True

    def close(self) -> bool:
        """Commit what is queued; stop the writer thread."""
        if self._closed:
            return not self._queue
        self._closed = True
        if self._thread is not None:
            self._wake.set()
            self._thread.join()
        return self.flush()
