"""The HTTP API's routes, by what they act on."""

from __future__ import annotations

from fastapi import Request

from cscore.server.context import ServerContext


def context(request: Request) -> ServerContext:
    """The worker's context (set by :func:`cscore.server.app.create_app`)."""
    found: ServerContext = request.app.state.cscore
    return found
