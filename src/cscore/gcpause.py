"""Fewer full garbage collections while a batch is decided.

A batch keeps every decision it made alive until it returns (its answers), each with the
recipes of its trace and explanation: some 60 objects the collector tracks. Python
counts them as survivors, and every thousand cases or so runs a full collection over
everything alive — the kernel's rule sets included — finding nothing: cscore's
decisions make no reference cycles. On 3,000 cases that made :meth:`Kernel.evaluate_many`
~40 % slower a case than :meth:`Kernel.evaluate` in a loop (252 against 180 µs).

So, while any batch runs, the oldest generation waits ``SPARSER`` times as many
collections of the younger ones before Python considers it (its threshold 10 → 100:
197 µs). The young generations are collected as usual, and full collections still
happen during batches that never stop (threads' batches overlapping for ever), so a
plugin's cycles do not pile up; the host's thresholds are back when the last batch ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SPARSER = 10

_lock = threading.Lock()
_batches = 0  # batches running now, in any thread
_saved: tuple[int, int, int] | None = None  # the host's thresholds, to put back
_ours: tuple[int, int, int] | None = None  # the thresholds set here


@contextmanager
def sparse_full_collections() -> Iterator[None]:
    """While the block runs, the oldest generation is collected ``SPARSER`` times less
    often (unless the host turned automatic collection off: then nothing changes)."""
    global _batches, _saved, _ours
    with _lock:
        if _batches == 0:
            young, middle, old = _saved = gc.get_threshold()
            if young:  # 0: the host turned automatic collection off; leave it so
                _ours = (young, middle, old * SPARSER)
                gc.set_threshold(*_ours)
        _batches += 1
    try:
        yield
    finally:
        with _lock:
            _batches -= 1
            if _batches == 0:
                if _saved is not None and gc.get_threshold() == _ours:  # else: the host's
                    gc.set_threshold(*_saved)
                _saved = _ours = None
