"""The ASGI application: ``create_app()`` for one worker.

Each worker process builds its own kernel (its own engine, rule library and log
connection) from :class:`ServerSettings`; workers share nothing but the decision log's
SQLite file, through which a reload reaches all of them (:mod:`cscore.server.reloads`).
``cscore serve`` runs it under uvicorn; any ASGI server can run
``cscore.server.app:app_from_env`` as a factory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

import cscore
from cscore.kernel import Kernel
from cscore.server import errors
from cscore.server.context import ServerContext
from cscore.server.metrics import Metrics, MetricsMiddleware
from cscore.server.reloads import ReloadSignal
from cscore.server.routes import catalog, decisions, ops
from cscore.server.schemas import case_schema
from cscore.server.settings import ServerSettings

DESCRIPTION = """\
The cscore decision kernel over HTTP: send a case, get a decision (DESIGN.md §2).

Every error has the shape `{"errors": [{"loc": [...], "msg": "..."}]}`. A problem with
the facts is not an error but a decision (`invalid_input`, `needs_info`).
"""


def create_app(settings: ServerSettings | None = None, kernel: Kernel | None = None) -> FastAPI:
    """One worker's application; ``kernel`` (default: built from ``settings``) must log
    into ``settings.db``, and is closed with the application."""
    settings = settings or ServerSettings.from_env()
    if kernel is None:
        kernel = Kernel(rules_dir=settings.rules_dir, db=settings.db)
    ctx = ServerContext(
        settings=settings,
        kernel=kernel,
        metrics=Metrics(),
        reloads=ReloadSignal(settings.db, kernel.reload),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.close()

    app = FastAPI(
        title="cscore",
        version=cscore.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.cscore = ctx
    errors.install(app)
    app.include_router(decisions.router)
    app.include_router(catalog.router)
    app.include_router(ops.router)
    app.add_middleware(MetricsMiddleware, metrics=ctx.metrics)
    _document_case(app, case_schema(kernel.industries))
    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn calls in every worker (``--factory``)."""
    return create_app(ServerSettings.from_env())


def _document_case(app: FastAPI, schema: dict[str, Any]) -> None:
    """The case body is read and parsed by the route itself (so a wrong media type is
    415 and malformed JSON 422, each with its own message); its schema is added here."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            document.setdefault("components", {}).setdefault("schemas", {})["Case"] = schema
            body = document["paths"]["/v1/decisions"]["post"]["requestBody"]
            body["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Case"}
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
