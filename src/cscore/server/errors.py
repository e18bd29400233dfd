"""Every error the HTTP API answers has one shape, ``{"errors": [{"loc", "msg"}]}``:
``loc`` says where (``["body", "industry"]``, ``["query", "limit"]``, ``["path",
"decision_id"]``), ``msg`` says what, in one line a person can act on.

Nothing a client sends may cause a 500: a malformed request is 4xx, a rule that fails on
the facts given is 422, the log being unavailable is 503. A 500 is a bug in cscore,
logged with its traceback and answered without one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from cscore.errors import CaseError, EngineError, RuleEvaluationError, StoreError

logger = logging.getLogger("cscore.server")


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str


class ErrorBody(BaseModel):
    errors: list[ErrorItem]


class ApiError(Exception):
    """An answer other than 2xx, raised by a route."""

    def __init__(
        self,
        status: int,
        msg: str,
        loc: Sequence[str | int] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(msg)
        self.status = status
        self.items: list[dict[str, Any]] = [{"loc": list(loc), "msg": msg}]
        self.headers = headers


def error_response(
    status: int, items: list[dict[str, Any]], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"errors": items}, status_code=status, headers=headers)


def case_error(exc: CaseError) -> ApiError:
    """An envelope problem: ``loc`` names the field (``case`` is the body as a whole)."""
    loc = ["body"] if exc.field in ("", "case") else ["body", exc.field]
    return ApiError(422, str(exc), loc)


# Documented on every operation, so generated clients know the error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "Malformed request: each problem with its loc"},
    500: {"model": ErrorBody, "description": "A bug in cscore (never caused by the request)"},
}
BODY_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "Request body larger than the configured limit"},
    415: {"model": ErrorBody, "description": "Request body is not application/json"},
}


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the shape above."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.items, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        items = [
            {"loc": [str(p) if not isinstance(p, int) else p for p in e["loc"]], "msg": e["msg"]}
            for e in exc.errors()
        ]
        return error_response(422, items)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, [{"loc": [], "msg": str(exc.detail)}], exc.headers)

    @app.exception_handler(CaseError)
    async def _case(request: Request, exc: CaseError) -> JSONResponse:
        error = case_error(exc)
        return error_response(error.status, error.items)

    @app.exception_handler(RuleEvaluationError)
    @app.exception_handler(EngineError)
    async def _rule(request: Request, exc: Exception) -> JSONResponse:
        # A rule or the engine could not evaluate these facts (a computation overflowed,
        # a value the engine refuses): the case cannot be decided as sent.
        logger.warning("case not decided: %s", exc)
        return error_response(422, [{"loc": ["body", "facts"], "msg": str(exc)}])

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        logger.error("%s", exc)
        return error_response(503, [{"loc": [], "msg": str(exc)}], {"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(500, [{"loc": [], "msg": "internal error (logged by the server)"}])
