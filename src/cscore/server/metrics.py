"""Prometheus metrics of one server process: requests, their latency, decisions.

Each worker counts its own requests in its own registry. With ``--workers N`` a scrape
of ``/metrics`` reaches whichever worker accepts it, unless ``PROMETHEUS_MULTIPROC_DIR``
is set (an empty folder, before the server starts): then every worker writes its values
there and any worker answers with the sum over all of them (prometheus_client's
multiprocess mode). docs/http.md says which to choose.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Decisions take a millisecond or two; replays and rule checks build a kernel (≈1 s).
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "cscore_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "cscore_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter(
            "cscore_decisions",
            "Decisions made, by industry, kind and outcome (the kind's decision field; "
            "'-' for a kind without one)",
            ["industry", "kind", "outcome"],
            registry=self.registry,
        )

    def decided(self, industry: str, outcomes: Mapping[str, Mapping[str, Any]]) -> None:
        for kind, outcome in outcomes.items():
            verdict = outcome.get("decision")
            # Only the enumerated verdict is a label: free values would grow the series.
            label = verdict if isinstance(verdict, str) and len(verdict) <= 64 else "-"
            self.decisions.labels(industry, kind, label).inc()

    def exposition(self) -> tuple[bytes, str]:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts and times every request by its route template (``/v1/decisions/{decision_id}``,
    not the id: the series stay few), and names the worker that answered in a header
    (``X-Cscore-Worker``: its process id) so an operator can tell workers apart."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.worker = str(os.getpid()).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-cscore-worker", self.worker),
                ]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
