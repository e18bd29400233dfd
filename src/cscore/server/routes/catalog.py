"""``/v1/industries`` and ``/v1/rules``: what is served, checking and reloading rules."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from cscore.industry import IndustrySpec
from cscore.kernel import Kernel
from cscore.language.jsonschema import object_schema
from cscore.language.types import Type
from cscore.models.outcomes import DATA_OUTCOMES, merge_declared
from cscore.server.body import read_json
from cscore.server.checking import check_rules
from cscore.server.context import reload_answer
from cscore.server.errors import BODY_RESPONSES, ERROR_RESPONSES, ApiError, ErrorBody
from cscore.server.routes import context
from cscore.server.schemas import CheckOut, IndustryOut, ReloadOut, RuleFileIn

router = APIRouter(prefix="/v1")
logger = logging.getLogger("cscore.server")
bearer = HTTPBearer(auto_error=False, description="CSCORE_ADMIN_TOKEN of the server")


@router.get(
    "/industries",
    response_model=list[IndustryOut],
    responses=ERROR_RESPONSES,
    tags=["industries"],
    summary="Installed industries: kinds, facts schema, outcome schemas",
)
def industries(request: Request) -> Any:
    """Everything a client needs to validate a case before sending it and to generate
    typed code for the answer: per industry its kinds, the JSON Schema of its facts, and
    per kind the JSON Schema of the outcome (enumerated values, date formats, money)."""
    ctx = context(request)
    ctx.reloads.catch_up()
    kernel = ctx.kernel
    return JSONResponse([_industry(kernel, spec) for spec in kernel.industries.values()])


def _industry(kernel: Kernel, spec: IndustrySpec) -> dict[str, Any]:
    try:
        facts = spec.facts_model.model_json_schema()
    except Exception:  # a field type pydantic cannot describe: say only that it is an object
        logger.warning("no JSON Schema for the facts of %s", spec.key, exc_info=True)
        facts = {"type": "object"}
    compiled = kernel.library.compiled()
    outcomes: dict[str, dict[str, Any]] = {}
    for kind in spec.kinds:
        fields: dict[str, Type | None] = dict(DATA_OUTCOMES)
        ruleset = compiled.get((spec.key, kind))
        declared = spec.outcomes.get(kind, {})
        names = ruleset.outputs if ruleset is not None else list(declared)
        for name in names:
            own = ruleset.key_types.get(name) if ruleset is not None else None
            found = merge_declared(own, declared.get(name))
            fields[name] = merge_declared(fields.get(name), found) if name in fields else found
        outcomes[kind] = object_schema(fields, f"{spec.key}.{kind} outcome")
    return {
        "key": spec.key,
        "name": spec.name,
        "description": spec.description,
        "kinds": list(spec.kinds),
        "facts_schema": facts,
        "outcome_schemas": outcomes,
    }


@router.post(
    "/rules/check",
    response_model=CheckOut,
    responses={**ERROR_RESPONSES, **BODY_RESPONSES},
    tags=["rules"],
    summary="Check the served rule files, or them with one file replaced",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": RuleFileIn.model_json_schema()}},
        }
    },
)
async def check(request: Request) -> Any:
    """No body: load the rule files as they are on disk now (nothing served changes).
    A body `{root, name, text}`: the same with that file in place of (or beside) the
    served one. Problems are data — `ok: false` and each error with file:line — not an
    HTTP error."""
    ctx = context(request)
    raw = await read_json(request, ctx.settings.max_body_bytes, required=False)
    posted = None
    if raw is not None:
        try:
            posted = RuleFileIn.model_validate(raw)
        except ValidationError as exc:
            items: list[dict[str, Any]] = [
                {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"]}
                for e in exc.errors(include_url=False)
            ]
            error = ApiError(422, str(items[0]["msg"]), items[0]["loc"])
            error.items = items
            raise error from None

    def run() -> dict[str, Any]:
        with ctx.heavy:
            return check_rules(ctx.kernel, ctx.settings.rules_dir, posted)

    return JSONResponse(await run_in_threadpool(run))


@router.post(
    "/rules/reload",
    response_model=ReloadOut,
    responses={
        **ERROR_RESPONSES,
        401: {"model": ErrorBody, "description": "No bearer token given"},
        403: {"model": ErrorBody, "description": "Wrong token"},
        404: {"model": ErrorBody, "description": "Disabled: no CSCORE_ADMIN_TOKEN configured"},
    },
    tags=["rules"],
    summary="Reload edited rule files in every worker",
)
def reload(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Any:
    """Re-read the edited rule and calendar files now, in this worker and (before their
    next request) in every other. A broken edit keeps the previous rules serving and is
    reported with file:line. Needs `Authorization: Bearer <CSCORE_ADMIN_TOKEN>`."""
    ctx = context(request)
    token = ctx.settings.admin_token
    if token is None:
        raise ApiError(
            404,
            "rule reloading over HTTP is disabled: start the server with CSCORE_ADMIN_TOKEN set",
        )
    if credentials is None:
        raise ApiError(
            401,
            "send Authorization: Bearer <the server's CSCORE_ADMIN_TOKEN>",
            ["header", "authorization"],
            {"WWW-Authenticate": "Bearer"},
        )
    given = credentials.credentials.encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(given, token.encode("utf-8")):
        raise ApiError(403, "wrong admin token", ["header", "authorization"])
    generation, report = ctx.reloads.reload_everywhere()
    return JSONResponse(reload_answer(generation, report))
