"""Worker processes behind :meth:`Kernel.evaluate_many` (opt-in: ``Kernel(workers=N)``).

durable_rules holds the GIL, so threads cannot decide two cases at once; processes can.
Each worker is a ``python -m cscore.pool`` child that builds its own kernel from the
parent's configuration (rules folder, entry-point plugins, the plugins registered on
the parent's kernel, the host calendar) without a decision log. A batch is split into
chunks that the workers take as they finish the ones before (:class:`_Batch`); the
parent only hands them out, takes the workers' answers in case order, queues them for
its log (group commit, as in-process) and runs the observers, so the log's contents and
ids are what deciding them here would give. The parent never blocks writing to a
worker, so a worker reads its next request when it is ready for it, with no thread.

What crosses the pipes (:func:`_pack`: marshalled, pickle only for what marshal
refuses): the cases as given; back, per case, the decision's outcomes, warnings and
versions, its instant as ISO text, and — when the parent keeps a log — the logged case
and the decision's log JSON, which is written as it is. The trace is built from that
JSON when first read; without a log it is not built in the worker at all (it costs a
quarter of a decision), and reading it — or the explanation — decides the case again
here, at the same instant, unless the batch was asked for ``full`` decisions (the CLI
prints them whole): then the workers build both.

A worker that dies gives an :class:`EngineError` for each case of its share (one line)
and is started again for the next batch; a decision a worker made with other rules than
this process serves (a reload between) is decided again here.
"""

from __future__ import annotations

import collections
import datetime as dt
import importlib
import io
import json
import marshal
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from cscore.errors import CscoreError, EngineError, PluginError
from cscore.models.case import Case
from cscore.models.decision import Decision, TraceEntry
from cscore.plugins import DEFAULT_PLUGINS, each_implementation
from cscore.store.logrow import log_columns

if TYPE_CHECKING:
    from cscore.kernel import Kernel, _Pending

# Below this many cases a batch is decided in this process: sending it costs more than
# sharing it saves (measured on 2 shared cores: the pool broke even between 16 and 64
# cases a batch, depending on the machine's load).
MIN_BATCH = 32
# A batch goes out in chunks, about CHUNKS_PER_WORKER per worker, each worker holding
# IN_FLIGHT at a time; the parent only hands them out and takes the answers. Each
# hand-off wakes the parent, which on a busy machine takes a worker's core and cools
# its caches: on 2 cores, 256-case batches in chunks of 64 gave 11.6-12.2k cases/s
# against 11.3-11.8k in chunks of 32 (one chunk per worker, 128: 11.1-12.1k, a worker
# left waiting at the end). A parent deciding half itself beside one worker measured
# the same as two workers (11.7-12.1k).
CHUNKS_PER_WORKER = 2
MIN_CHUNK, MAX_CHUNK = 4, 64
IN_FLIGHT = 2
START_TIMEOUT = 60.0  # seconds a worker may take to build its kernel
STOP_TIMEOUT = 5.0  # seconds a worker may take to exit once asked

_FRAME = struct.Struct("<Q")


# -- framing --------------------------------------------------------------------------


def _framed(payload: bytes) -> bytes:
    return _FRAME.pack(len(payload)) + payload


def _send(stream: IO[bytes], payload: bytes) -> None:
    data = memoryview(_framed(payload))
    while data:  # an unbuffered pipe may take part of it
        written = stream.write(data)
        data = data[written or 0 :]
    stream.flush()


def _receive(stream: IO[bytes]) -> bytes | None:
    """One frame; ``None`` at the end of the stream (the other side exited)."""
    header = _read_exactly(stream, _FRAME.size)
    if header is None:
        return None
    (size,) = _FRAME.unpack(header)
    return _read_exactly(stream, size)


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    parts, left = [], size
    while left:
        part = stream.read(left)
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _pack(value: Any) -> bytes:
    """A request or a chunk's answers as a frame's payload: :mod:`marshal` (plain values:
    a third of what pickle costs each way), or pickle for what marshal refuses (a
    host's objects, an error's attributes, the host clock's instants)."""
    try:
        return b"m" + marshal.dumps(value)
    except ValueError:
        return b"p" + pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _unpack(data: bytes) -> Any:
    body = memoryview(data)[1:]
    return marshal.loads(body) if data[:1] == b"m" else pickle.loads(body)


# -- errors across the pipe -----------------------------------------------------------


def _error_state(exc: BaseException) -> tuple[str, str, str, dict[str, Any]]:
    attrs = {k: v for k, v in vars(exc).items() if _picklable(v)}
    return type(exc).__module__, type(exc).__qualname__, str(exc), attrs


def _rebuilt(module: str, name: str, message: str, attrs: dict[str, Any]) -> BaseException:
    """The worker's exception, of its class with its message and attributes (a class
    that cannot be rebuilt here becomes an :class:`EngineError` with the message)."""
    try:
        cls = getattr(importlib.import_module(module), name)
        if isinstance(cls, type) and issubclass(cls, Exception):
            exc = cls.__new__(cls)
            Exception.__init__(exc, message)
            exc.__dict__.update(attrs)
            return exc
    except Exception:  # any class we cannot import or build: the message still counts
        pass
    return EngineError(message)


def _picklable(value: Any) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


# -- the parent's side ----------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class _Worker:
    """One child process and its two pipes."""

    def __init__(self, config: bytes) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cscore.pool"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            bufsize=0,  # unbuffered: select() then sees every answer waiting in the pipe
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.fd = self.stdout.fileno()
        self.ready = False
        self.dead = False
        _send(self.stdin, config)
        # From now on this process never blocks writing to the worker: what the pipe
        # does not take waits in ``outbox`` until select() says it can (so the worker
        # reads its requests when it is ready for one, with no thread of its own, and
        # neither side can block the other).
        os.set_blocking(self.stdin.fileno(), False)
        self.outbox = bytearray()

    def wait_ready(self) -> None:
        """Wait for the worker's kernel; its start-up error as a :class:`PluginError`."""
        if self.ready:
            return
        data = _receive(self.stdout)
        if data is None:
            raise PluginError(f"pool worker could not start: {self.exit_status()}")
        message = pickle.loads(data)
        if message[0] != "ready":
            raise PluginError(f"pool worker could not start: {message[1]}")
        self.ready = True

    @property
    def alive(self) -> bool:
        return not self.dead and self.proc.poll() is None

    def exit_status(self) -> str:
        try:
            code = self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return f"pid {self.proc.pid} stopped answering"
        if code < 0:
            return f"pid {self.proc.pid} was killed by signal {-code}"
        return f"pid {self.proc.pid} exited with status {code}"

    def post(self, payload: bytes) -> None:
        """Queue one frame for the worker and write what the pipe takes now (OSError:
        the worker is gone)."""
        self.outbox += _framed(payload)
        self.write_some()

    def write_some(self) -> None:
        """Write what the pipe takes of the queued frames, without blocking."""
        try:
            written = os.write(self.stdin.fileno(), self.outbox)
        except BlockingIOError:
            return
        del self.outbox[:written]

    def stop(self) -> None:
        """Ask it to exit (an empty frame), then make sure it did; reap it (no zombie)."""
        try:
            os.set_blocking(self.stdin.fileno(), True)
            self.outbox.clear()  # a batch's requests not sent (it died, or was stopped)
            _send(self.stdin, b"")
            self.stdin.close()
        except (OSError, ValueError):  # already gone
            pass
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stdout.close()


class WorkerPool:
    """Worker processes sharing a kernel's batches; see the module docstring."""

    def __init__(
        self, kernel: Kernel, workers: int, *, rules_dir: str | Path | None, load_entrypoints: bool
    ) -> None:
        if os.name != "posix":  # select() on pipes
            raise PluginError(f"workers={workers} needs a POSIX system; use workers=0")
        self.kernel = kernel
        self.size = workers
        self.rules_dir = str(rules_dir) if rules_dir is not None else None
        self.load_entrypoints = load_entrypoints
        self.min_batch = MIN_BATCH
        self.chunks_per_worker = CHUNKS_PER_WORKER
        self._lock = threading.Lock()  # one batch at a time; a second one runs here
        self._closed = False
        self._generation = 0
        self._seen_reload = kernel.last_reload
        self._plugins_key = self._plugin_key()
        self._config = self._make_config()
        self._workers = [_Worker(self._config) for _ in range(workers)]

    # configuration ---------------------------------------------------------------

    def _host_plugins(self) -> list[tuple[str, Any]]:
        """The plugins the host gave or registered, in order (not the default ones, nor
        those the worker finds by entry point itself)."""
        pm = self.kernel.pm
        found = {id(plugin) for plugin, _dist in pm.list_plugin_distinfo()}
        return [
            (name, plugin)
            for name, plugin in pm.list_name_plugin()
            if plugin is not None and name not in DEFAULT_PLUGINS and id(plugin) not in found
        ]

    def _plugin_key(self) -> tuple[int, ...]:
        return tuple(id(plugin) for _name, plugin in self.kernel.pm.list_name_plugin())

    def _make_config(self) -> bytes:
        """What a worker builds its kernel from; a plugin or calendar that cannot be
        sent to another process refuses ``workers`` with one line naming it."""
        plugins: list[tuple[str, Any]] = []
        for name, plugin in self._host_plugins():
            if isinstance(plugin, types.ModuleType):
                plugins.append(("module", plugin.__name__))
                continue
            if type(plugin).__module__ == "__main__" or not _picklable(plugin):
                raise PluginError(
                    f"workers={self.size}: plugin {name!r} ({type(plugin).__name__}) cannot be "
                    "sent to a worker process (define it in an importable module so it can "
                    "be pickled, or use workers=0)"
                )
            plugins.append(("object", plugin))
        calendar = self.kernel.calendar
        if calendar is not None and not _picklable(calendar):
            raise PluginError(
                f"workers={self.size}: the host calendar ({type(calendar).__name__}) cannot be "
                "sent to a worker process (make it picklable, or use workers=0)"
            )
        config = {
            "path": list(sys.path),
            "rules_dir": self.rules_dir,
            "load_entrypoints": self.load_entrypoints,
            "plugins": plugins,
            "calendar": calendar,
            "generation": self._generation,
        }
        return pickle.dumps(config, protocol=pickle.HIGHEST_PROTOCOL)

    def _refresh(self) -> None:
        """Follow the parent: a reload reaches the workers with the next batch (they
        reload too); plugins registered since they started restart them."""
        if self.kernel.last_reload is not self._seen_reload:
            self._seen_reload = self.kernel.last_reload
            self._generation += 1
        key = self._plugin_key()
        if key != self._plugins_key:
            config = self._make_config()
            self._plugins_key = key
            self._config = config
            for worker in self._workers:
                worker.stop()
            self._workers = [_Worker(config) for _ in range(self.size)]

    def _ready(self) -> list[_Worker]:
        """The workers, each started again if it died since the last batch."""
        for number, worker in enumerate(self._workers):
            if not worker.alive:
                worker.stop()
                self._workers[number] = _Worker(self._config)
        for worker in self._workers:
            worker.wait_ready()
        return self._workers

    # deciding --------------------------------------------------------------------

    def decide(
        self,
        cases: list[Any],
        answers: list[Decision | CscoreError],
        pending: list[_Pending],
        full: bool = False,
    ) -> bool:
        """Decide the batch with the workers into ``answers``/``pending`` (as the kernel's
        own loop would); ``False``: not worth it, or another thread's batch is out — the
        kernel decides it here."""
        if self._closed or len(cases) < self.min_batch:
            return False
        if not self._lock.acquire(blocking=False):
            return False
        try:
            return self._decide(cases, answers, pending, full)
        finally:
            self._lock.release()

    def _decide(
        self,
        cases: list[Any],
        answers: list[Decision | CscoreError],
        pending: list[_Pending],
        full: bool,
    ) -> bool:
        kernel = self.kernel
        self._refresh()
        workers = self._ready()
        parts = len(workers) * self.chunks_per_worker
        size = min(MAX_CHUNK, max(MIN_CHUNK, -(-len(cases) // parts)))
        chunks = [cases[start : start + size] for start in range(0, len(cases), size)]
        log = kernel.store is not None
        timed = kernel.clock is not None  # the host's clock is called here, per case
        generation = self._generation

        def request(chunk: list[Any]) -> bytes:
            nows = [kernel._now() for _ in chunk if timed]
            return _pack((generation, log, full, chunk, nows))

        batch = _Batch(workers, chunks, request)
        observed = any(True for _ in each_implementation(kernel.pm, "decision_made"))
        served: dict[tuple[str, tuple[str, ...]], str] = {}  # the batch's rules versions
        raised: BaseException | None = None
        for chunk, results in zip(chunks, batch.results(), strict=True):
            if raised is not None:
                continue  # as in-process: nothing after an unexpected error is decided
            if results is None:  # no worker is left to take it: decided here
                for case in chunk:
                    kernel._evaluate_into(case, answers, pending)
                continue
            if isinstance(results, EngineError):  # its worker died
                answers.extend(results for _ in chunk)
                continue
            for case, result in zip(chunk, results, strict=True):
                if raised is not None:
                    break
                if result[0] == "x":
                    raised = _rebuilt(*result[1])
                elif result[0] == "e":
                    answers.append(_rebuilt(*result[1]))  # type: ignore[arg-type]
                else:
                    self._accept(case, result, answers, pending, observed, served)
            if raised is not None:
                batch.stop_sending()
            elif log and kernel.store is not None and kernel.store.commit_wait:
                # Commit what is queued while the workers decide the next chunks (the
                # batch's call still returns once every decision is committed).
                kernel.store.flush()
        if raised is not None:
            raise raised
        return True

    def _accept(
        self,
        case: Any,
        result: tuple[Any, ...],
        answers: list[Decision | CscoreError],
        pending: list[_Pending],
        observed: bool,
        served: dict[tuple[str, tuple[str, ...]], str],
    ) -> None:
        """A worker's decision, queued for the log and the observers in case order.
        ``served``: the rules version this process serves per industry and kinds, looked
        up once per batch (as the batch's other cases are decided with)."""
        kernel = self.kernel
        _tag, head, as_of, duration_ms, envelope, columns, explained = result
        case_id, industry, outcomes, warnings, version = head
        kinds = (industry, tuple(outcomes))
        here = served.get(kinds)
        if here is None:
            here = served[kinds] = kernel._rules_version(
                [kernel.library.get(industry, kind).compiled for kind in outcomes]
            )
        if here != version:  # the worker had other rules (a reload between): here
            kernel._evaluate_into(case, answers, pending)
            return
        again = _Again(kernel, case, as_of)
        trace: Callable[[], list[TraceEntry]] = again.trace
        if columns is not None:
            trace = _trace_reader(columns[0])
        decision = Decision.build(
            case_id=case_id,
            industry=industry,
            outcomes=outcomes,
            trace=trace,
            warnings=warnings,
            rules_version=version,
            # a recipe either way: built after the trace, its JSON keys in the same order
            explanation=again.explanation if explained is None else lambda: explained[0],
        )
        ticket = None
        if kernel.store is not None and envelope is not None:
            ticket = kernel._submit_row(envelope, decision, duration_ms, as_of, columns)
        parsed = Case.parse(case) if observed else None
        pending.append((parsed, decision, ticket))
        answers.append(decision)

    def close(self) -> None:
        """Stop every worker and reap it."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            for worker in self._workers:
                worker.stop()

    @property
    def pids(self) -> list[int]:
        return [worker.proc.pid for worker in self._workers]


class _Batch:
    """One batch's chunks handed to the workers as they finish the previous ones (a
    slow or busy worker takes fewer), results yielded in chunk order. Each worker has at
    most ``IN_FLIGHT`` chunks: the next waits in its pipe while it decides one."""

    def __init__(
        self,
        workers: list[_Worker],
        chunks: list[list[Any]],
        request: Callable[[list[Any]], bytes],
    ) -> None:
        self.chunks = chunks
        self.request = request  # a chunk as the frame a worker reads (packed when handed)
        self.done: dict[int, Any] = {}  # chunk -> results, an EngineError, or None (here)
        self.queued: dict[int, collections.deque[int]] = {}  # worker fd -> its chunks
        self.by_fd = {worker.fd: worker for worker in workers}
        self.next = 0
        self.sending = True
        for worker in workers:
            self.queued[worker.fd] = collections.deque()
        for _ in range(IN_FLIGHT):  # one chunk each first, so a short batch is shared
            for worker in workers:
                self._hand(worker)

    def stop_sending(self) -> None:
        self.sending = False

    def _hand(self, worker: _Worker) -> None:
        while self.sending and self.next < len(self.chunks) and not worker.dead:
            number = self.next
            self.next += 1
            try:
                payload = self.request(self.chunks[number])
            except Exception:  # a case that cannot be sent: its chunk is decided here
                self.done[number] = None
                continue
            try:
                worker.post(payload)
            except OSError:  # it died: what it holds fails, the rest goes to the others
                self.next -= 1
                self._died(worker)
                return
            self.queued[worker.fd].append(number)
            return

    def _died(self, worker: _Worker) -> None:
        worker.dead = True
        held = self.queued[worker.fd]
        if held:
            error = EngineError(
                f"case not decided: pool worker {worker.exit_status()} while it held this "
                "case (its other cases were decided); it is started again for the next batch"
            )
            for chunk in held:
                self.done[chunk] = error
        held.clear()

    def results(self) -> Iterator[Any]:
        for chunk in range(len(self.chunks)):
            while chunk not in self.done:
                self._wait()
            yield self.done.pop(chunk)

    def _wait(self) -> None:
        """Take one answer (or a death) from a worker holding chunks, and write more of
        what waits to be sent to the workers whose pipes take it."""
        busy = [fd for fd, held in self.queued.items() if held]
        if not busy:  # every worker died: what is left is decided in this process
            while self.next < len(self.chunks):
                self.done[self.next] = None
                self.next += 1
            return
        sending = {w.stdin.fileno(): w for w in self.by_fd.values() if w.outbox and not w.dead}
        ready, writable, _ = select.select(busy, list(sending), [])
        for fd in writable:
            try:
                sending[fd].write_some()
            except OSError:  # it died: its answers' pipe says so
                pass
        for fd in ready:
            worker = self.by_fd[fd]
            data = _receive(worker.stdout)
            if data is None:
                self._died(worker)
                continue
            self.done[self.queued[fd].popleft()] = _unpack(data)
            self._hand(worker)


class _Again:
    """A worker's case decided again here, at the worker's instant, when its trace (no
    log) or explanation is read: same rules version, same instant, same answer."""

    def __init__(self, kernel: Kernel, case: Any, as_of: str) -> None:
        self._kernel: Kernel | None = kernel
        self._case = case
        self._as_of = as_of
        self._decision: Decision | None = None

    def _decided(self) -> Decision:
        if self._decision is None:
            assert self._kernel is not None
            at = dt.datetime.fromisoformat(self._as_of)
            self._decision = self._kernel._decision(self._case, at)[1]
            self._kernel = None
        return self._decision

    def trace(self) -> list[TraceEntry]:
        return list(self._decided().trace)

    def explanation(self) -> dict[str, Any]:
        # None where the decision has none (invalid input): left out of its JSON, as here
        return self._decided().explanation  # type: ignore[return-value]


def _trace_reader(decision_json: str) -> Callable[[], list[TraceEntry]]:
    """The trace from a worker's log JSON (the values are JSON already: not validated)."""

    def trace() -> list[TraceEntry]:
        return [
            TraceEntry.build(
                rule=entry["rule"],
                name=entry["name"],
                kind=entry["kind"],
                ruleset=entry["ruleset"],
                source=entry["source"],
                set_values=entry.get("set", {}),
                matched=entry.get("matched", {}),
                overridden=entry.get("overridden", []),
                overrides=entry.get("overrides", {}),
                message=entry.get("message"),
                key=entry.get("key"),
            )
            for entry in json.loads(decision_json).get("trace", [])
        ]

    return trace


# -- the worker's side ----------------------------------------------------------------


def _worker_kernel(config: dict[str, Any]) -> Kernel:
    from cscore.kernel import CASE_ERRORS, Kernel  # noqa: F401  (the worker's own)

    plugins = [
        importlib.import_module(value) if how == "module" else value
        for how, value in config["plugins"]
    ]
    return Kernel(
        rules_dir=config["rules_dir"],
        plugins=plugins,
        load_entrypoints=config["load_entrypoints"],
        calendar=config["calendar"],
    )


def _decide_one(kernel: Kernel, case: Any, now: Any, log: bool, full: bool) -> tuple[Any, ...]:
    """One case's answer for the parent: the decision's parts, the logged case and the
    decision's log columns (``log``; its JSON carries the trace), its trace and
    explanation (``full``); or its error."""
    from cscore.kernel import CASE_ERRORS

    try:
        parsed, decision, started, as_of, masker = kernel._decision(case, now)
        envelope = kernel._envelope(parsed, decision, masker) if log else None
        columns = log_columns(decision) if log or full else None
        explanation = (decision.explanation,) if full else None  # (None,): it has none
        head = (
            decision.case_id,
            decision.industry,
            decision.outcomes,
            decision.warnings,
            decision.rules_version,
        )
        took = (time.perf_counter() - started) * 1000
        return ("d", head, as_of.isoformat(), took, envelope, columns, explanation)
    except CASE_ERRORS as exc:
        return ("e", _error_state(exc))
    except Exception as exc:  # the parent raises it, as evaluate_many would here
        return ("x", _error_state(exc))


def serve(inp: IO[bytes], out: IO[bytes]) -> None:
    """The worker's loop: a configuration, then batches until an empty frame or EOF."""
    data = _receive(inp)
    if data is None:
        return
    config = pickle.loads(data)
    sys.path[:] = config["path"]
    try:
        kernel = _worker_kernel(config)
    except Exception as exc:  # the parent raises it as one line
        _send(out, pickle.dumps(("error", _one_line(exc))))
        return
    _send(out, pickle.dumps(("ready", os.getpid())))
    generation = config["generation"]
    # The next request is read once a chunk is answered: the parent never blocks
    # writing to this process (it keeps what the pipe does not take), so no thread
    # needs to read ahead, and none takes the GIL from the deciding one to do it.
    try:
        while data := _receive(inp):
            wanted, log, full, cases, nows = _unpack(data)
            if wanted != generation:  # the parent reloaded its rules: so does this one
                kernel.reload()
                generation = wanted
            results = [
                _decide_one(kernel, case, nows[n] if nows else None, log, full)
                for n, case in enumerate(cases)
            ]
            _send(out, _pack(results))
    finally:
        kernel.close()


def main() -> None:
    # The protocol gets its own descriptors; whatever a plugin prints goes to stderr.
    inp = os.fdopen(os.dup(0), "rb")
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", closefd=False), write_through=True)
    try:
        serve(inp, out)
    except (BrokenPipeError, KeyboardInterrupt):  # the parent is gone: nothing to answer
        pass


if __name__ == "__main__":
    main()
