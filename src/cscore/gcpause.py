"""No full garbage collection while a batch is decided.

A batch keeps every decision it made alive until it returns (its answers), each with the
recipes of its trace and explanation: some 60 objects the collector tracks. Python
counts them as survivors, and every few hundred cases runs a full collection over
everything alive — the kernel's rule sets included — finding nothing: cscore's
decisions make no reference cycles. On 3,000 cases that made :meth:`Kernel.evaluate_many`
a third slower a case than :meth:`Kernel.evaluate` in a loop (benchmarks/README.md).

So, while any batch runs, the oldest generation is not collected automatically; the
young ones still are (a plugin's cycles do not pile up), and the host's thresholds are
back when the last batch ends — the next full collection then runs when Python's own
rule says so.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# More generation-1 collections than any batch makes: the full collection waits.
_NEVER = 1 << 30

_lock = threading.Lock()
_batches = 0  # batches running now, in any thread
_saved: tuple[int, int, int] | None = None  # the thresholds to put back


@contextmanager
def no_full_collection() -> Iterator[None]:
    """While the block runs, no automatic collection of the oldest generation."""
    global _batches, _saved
    with _lock:
        if _batches == 0:
            _saved = gc.get_threshold()
            young, middle, _old = _saved
            if young:  # 0: the host turned automatic collection off; leave it so
                gc.set_threshold(young, middle, _NEVER)
        _batches += 1
    try:
        yield
    finally:
        with _lock:
            _batches -= 1
            if _batches == 0 and _saved is not None:
                if gc.get_threshold()[2] == _NEVER:  # not changed by the host meanwhile
                    gc.set_threshold(*_saved)
                _saved = None
