"""While a batch is decided the oldest generation is collected ten times less often (its
answers are kept alive: a full collection finds nothing and costs a third of a case);
the young ones as usual, and the host's thresholds are back when the last batch ends."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from cscore.gcpause import sparse_full_collections
from cscore.hookspecs import hookimpl
from cscore.kernel import Kernel

from .conftest import return_case


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_evaluate_many_decides_with_sparse_full_collections_then_restores(thresholds: None) -> None:
    seen: list[tuple[int, int, int]] = []

    class Observer:
        @hookimpl
        def decision_made(self) -> None:
            seen.append(gc.get_threshold())

    with Kernel(plugins=[Observer()]) as kernel:
        answers = kernel.evaluate_many([return_case()] * 3)
        assert seen == [(700, 10, 100)] * 3  # young generations still collected
        assert gc.get_threshold() == (700, 10, 10)
        kernel.evaluate(return_case())
        assert seen[-1] == (700, 10, 10)  # one case at a time: Python's own thresholds
    assert [answer.outcomes for answer in answers] == [answers[0].outcomes] * 3  # type: ignore[union-attr]


def test_the_last_of_overlapping_batches_restores_the_thresholds(thresholds: None) -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    during: list[tuple[int, int, int]] = []

    def first() -> None:
        with sparse_full_collections():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with sparse_full_collections():
        second_in.set()
        first_out.wait(5)
        during.append(gc.get_threshold())  # the first ended: this one still runs
    thread.join(5)
    assert during == [(700, 10, 100)]
    assert gc.get_threshold() == (700, 10, 10)


def test_a_host_that_turned_collection_off_or_changed_it_is_left_so(thresholds: None) -> None:
    gc.set_threshold(0, 10, 10)
    with sparse_full_collections():
        assert gc.get_threshold() == (0, 10, 10)
    assert gc.get_threshold() == (0, 10, 10)
    gc.set_threshold(700, 10, 10)
    with sparse_full_collections():
        gc.set_threshold(500, 5, 5)  # the host's own choice, made during the batch
    assert gc.get_threshold() == (500, 5, 5)


def test_an_error_in_the_batch_restores_the_thresholds(thresholds: None) -> None:
    with pytest.raises(RuntimeError), sparse_full_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)
