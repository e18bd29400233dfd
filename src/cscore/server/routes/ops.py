"""Liveness, readiness and metrics: what a load balancer and Prometheus ask."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from cscore.server.routes import context
from cscore.server.schemas import Health, Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health, summary="The process answers")
def healthz() -> Any:
    return {"status": "ok", "worker": os.getpid()}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: see problems"}},
    summary="Rules loaded and the decision log writable",
)
def readyz(request: Request) -> Any:
    ctx = context(request)
    problems = []
    loaded = bool(ctx.kernel.library.keys())  # served: read or found in the cache
    if not loaded:
        problems.append("no rule set loaded")
    last = ctx.kernel.last_reload
    current = last is None or last.ok
    if not current:
        problems.extend(f"previous rules serving: {error}" for error in last.errors)  # type: ignore[union-attr]
    writable = ctx.reloads.writable()
    if not writable:
        problems.append(f"the decision log {ctx.settings.db} cannot be written")
    ready = loaded and writable
    body = {
        "ready": ready,
        "checks": {"rules_loaded": loaded, "rules_current": current, "log_writable": writable},
        "problems": problems,
    }
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    summary="Prometheus metrics of this worker (docs/http.md: several workers)",
)
def metrics(request: Request) -> Response:
    content, media_type = context(request).metrics.exposition()
    return Response(content, media_type=media_type)
