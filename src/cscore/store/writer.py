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
caller waits for. ``durable=True`` (no store uses it now) queues decisions that are
durable already: a writer thread commits them behind the callers, ``delay`` seconds
after the first one arrives; a failed commit fails no decision (the batch goes back to
the front of the queue and the thread retries with a growing pause, warning once per
run of failures), and a caller that finds more than ``max_queued`` waiting commits them
itself (:meth:`GroupCommit.keep_up`).
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from typing import Any

from cscore.errors import StoreError

MAX_BATCH = 1024  # decisions per transaction: bounds the time one commit holds the lock
# A journaled store: the writer gathers this long before it commits (other processes
# see a decision in SQLite within ~20 ms). Bigger batches cost the callers less: per
# 2,000 evaluations, log ÷ no log was 0.54 at 2 ms, 0.57 at 5 ms, 0.58 at 20 ms, 0.59
# at 50 ms on a loaded 2-core machine (the writer's SQLite work is ~20 µs a decision in
# batches of 10, ~14 in batches of 100).
DELAY = 0.02
MAX_QUEUED = 4096  # decisions waiting before the caller commits them itself
RETRY_FIRST, RETRY_LAST = 0.01, 1.0  # the writer's pauses after a failed commit (s)

logger = logging.getLogger("cscore.store")


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
        durable: bool = False,
        delay: float = DELAY,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self._write = write
        self._after_commit = after_commit
        self._queue: collections.deque[Ticket] = collections.deque()
        self._leader = threading.Lock()  # held by the one caller committing now
        self._closed = False
        self._wake = threading.Event()
        self._stop = threading.Event()  # interrupts the writer's pause after a failure
        self.durable = durable
        self.delay = delay if durable else 0.0
        self.max_queued = max_queued
        self.failures = 0  # failed commits in a row (observable by tests)
        self._thread: threading.Thread | None = None
        if background or durable:
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

    def keep_up(self) -> None:
        """Past ``max_queued`` waiting decisions, commit them on the caller's thread (the
        queue stays bounded however slow the writer thread is); a failure is the writer's
        to retry, not the caller's (its decision is journaled)."""
        if len(self._queue) > self.max_queued:
            with self._leader:
                try:
                    self._drain()
                except StoreError:
                    pass

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
            if self.durable:  # journaled: nothing is lost, the batch is committed later
                self._queue.extendleft(reversed(batch))
                raise error from None
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
        pause = 0.0
        while not self._closed:
            self._wake.wait()
            if self.delay and not self._closed:
                self._stop.wait(self.delay)  # gather a batch (a waiting caller leads)
            self._wake.clear()
            try:
                with self._leader:
                    self._drain()
            except StoreError as exc:
                self.failures += 1
                if self.failures == 1:
                    logger.warning("%s; journaled, retrying until the log is free", exc)
                pause = min(pause * 2, RETRY_LAST) if pause else RETRY_FIRST
                self._stop.wait(pause)
                self._wake.set()
                continue
            if self.failures:
                logger.warning("the decision log is written again after %d tries", self.failures)
            self.failures, pause = 0, 0.0

    def flush(self) -> bool:
        """Commit everything queued so far; whether it all went (a journaled store's
        failure is the writer's to retry: it is not raised here)."""
        with self._leader:
            try:
                self._drain()
            except StoreError:
                return False
        return True

    def close(self) -> bool:
        """Commit what is queued; stop the writer thread. Whether everything queued is
        committed (a journaled store leaves what is not in its journal)."""
        if self._closed:
            return not self._queue
        self._closed = True
        if self._thread is not None:
            self._stop.set()
            self._wake.set()
            self._thread.join()
        return self.flush()
