"""Run a cscore HTTP server on a free loopback port for a test or a benchmark.

``serving()`` runs ``cscore serve`` in a subprocess (``--workers N`` as in production);
``serving_app()`` runs an application in a thread of this process (quicker to start,
and the test can look at its kernel). Both wait until ``/healthz`` answers, give up
after ``timeout`` seconds, and only ever listen on 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(url: str, timeout: float, alive: Any = None) -> None:
    """Poll ``/healthz`` (every 0.1 s, at most ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError(f"the server at {url} exited before it answered")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"no answer from {url}/healthz within {timeout} s")


@contextmanager
def serving(
    args: Sequence[str] = (),
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float = 60.0,
    log: Path | None = None,
    command: Sequence[str] | None = None,
) -> Iterator[str]:
    """``cscore <args> serve --host 127.0.0.1 --port <free>`` (put ``--db``/``--rules-dir``
    in ``args``, serve's options after ``serve``); yields the base URL. ``command``
    replaces ``cscore`` (e.g. ``["./dev"]``)."""
    port = free_port()
    global_args = list(args)
    serve_args: list[str] = []
    if "serve" in global_args:
        at = global_args.index("serve")
        global_args, serve_args = global_args[:at], global_args[at + 1 :]
    program = list(command or [sys.executable, "-c", "from cscore.cli import main; main()"])
    argv = [
        *program,
        *global_args,
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        *serve_args,
    ]
    environment = {**os.environ, **(env or {})}
    output = open(log, "wb") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        argv, env=environment, cwd=cwd, stdout=output, stderr=subprocess.STDOUT
    )
    url = f"http://{HOST}:{port}"
    try:
        wait_healthy(url, timeout, alive=lambda: process.poll() is None)
        yield url
    finally:
        process.terminate()  # uvicorn stops its workers on SIGTERM
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if log is not None:
            output.close()  # type: ignore[union-attr]


@contextmanager
def serving_app(app: Any, timeout: float = 30.0) -> Iterator[str]:
    """Serve an ASGI application with uvicorn in a thread; yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"cscore-server-{port}", daemon=True)
    thread.start()
    url = f"http://{HOST}:{port}"
    try:
        wait_healthy(url, timeout, alive=thread.is_alive)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
