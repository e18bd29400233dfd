"""``/v1/decisions``: decide a case, read the log, replay a logged decision."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cscore.calendar import to_china_time
from cscore.errors import CaseError
from cscore.replay import ABSENT, ReplayError, replay_decision
from cscore.server.body import read_json
from cscore.server.errors import BODY_RESPONSES, ERROR_RESPONSES, ApiError, ErrorBody, case_error
from cscore.server.routes import context
from cscore.server.schemas import DecisionOut, DecisionPage, LoggedDecision, ReplayOut
from cscore.server.settings import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])

MAX_ID = 2**63 - 1  # SQLite's largest integer: a larger id cannot be in the log
DecisionId = Annotated[int, Path(ge=1, le=MAX_ID, description="The id in the decision log")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No decision of that id in the log"}
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorBody, "description": "The decision log cannot be written now"}
}


@router.post(
    "",
    response_model=DecisionOut,
    responses={**ERROR_RESPONSES, **BODY_RESPONSES, **UNAVAILABLE},
    summary="Decide a case",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {}}}},
)
async def post_decision(
    request: Request,
    kinds: Annotated[
        str | None,
        Query(
            description="Comma-separated kinds to decide, in place of the case's kind/kinds "
            "(default: the case's, or every kind of its industry)"
        ),
    ] = None,
    explain: Annotated[
        bool, Query(description="Add `explanation`: the reasons, for a person")
    ] = False,
) -> Response:
    """Evaluate one case (DESIGN.md §2.1) and answer with its decision (§2.2), logged.

    A malformed envelope (not JSON, no or unknown industry or kind) is a 422 naming
    the field; a problem with the facts is a normal decision (`invalid_input`,
    `needs_info`), as in the Python API."""
    ctx = context(request)
    case = await read_json(request, ctx.settings.max_body_bytes)
    if kinds is not None and isinstance(case, dict):
        wanted = [kind.strip() for kind in kinds.split(",") if kind.strip()]
        if not wanted:
            raise ApiError(422, "name at least one kind", ["query", "kinds"])
        case = {k: v for k, v in case.items() if k not in ("kind", "kinds")} | {"kinds": wanted}
    try:
        body = await run_in_threadpool(ctx.decide, case, explain)
    except CaseError as exc:
        error = case_error(exc)
        if kinds is not None and exc.field in ("kind", "kinds"):
            error.items[0]["loc"] = ["query", "kinds"]
        raise error from None
    except RecursionError:  # _depth bounds nesting; this is the last line of defence
        raise ApiError(422, "is nested too deeply", ["body"]) from None
    return Response(body, media_type="application/json")


@router.get(
    "",
    response_model=DecisionPage,
    responses=ERROR_RESPONSES,
    summary="List logged decisions, newest first",
)
def list_decisions(
    request: Request,
    industry: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[str | None, Query(max_length=200, description="Decided this kind")] = None,
    outcome: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A kind's `decision` field had this value (that of `kind`, if given)",
        ),
    ] = None,
    since: Annotated[
        dt.datetime | None, Query(description="Decided at or after (naive: +08:00)")
    ] = None,
    until: Annotated[
        dt.datetime | None, Query(description="Decided before (naive: +08:00)")
    ] = None,
    cursor: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{1,18}$", description="next_cursor of the previous page"),  # < 2**63
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Any:
    store = context(request).kernel.store
    assert store is not None  # a server always logs
    where: list[str] = []
    params: list[Any] = []
    if cursor is not None:
        where.append("id < ?")
        params.append(int(cursor))
    if industry is not None:
        where.append("industry = ?")
        params.append(industry)
    if kind is not None:
        where.append("EXISTS (SELECT 1 FROM json_each(decisions.kinds) WHERE value = ?)")
        params.append(kind)
    if outcome is not None:
        where.append(
            "EXISTS (SELECT 1 FROM json_each(decisions.outcomes) o WHERE (? IS NULL OR o.key = ?)"
            " AND json_extract(o.value, '$.decision') = ?)"
        )
        params.extend([kind, kind, outcome])
    for name, instant, op in (("since", since, ">="), ("until", until, "<")):
        if instant is not None:
            where.append(f"decided_at {op} ?")
            params.append(_instant(name, instant))
    sql = (
        "SELECT id, case_id, industry, kinds, decided_at, as_of, outcomes, rules_version "
        "FROM decisions"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY id DESC LIMIT ?"
    )
    rows = store.query(sql, [*params, limit + 1])
    items = [
        {
            "id": r[0],
            "case_id": r[1],
            "industry": r[2],
            "kinds": json.loads(r[3]),
            "decided_at": r[4],
            "as_of": r[5],
            "outcomes": json.loads(r[6]),
            "rules_version": r[7],
        }
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return JSONResponse(
        {"items": items, "next_cursor": str(items[-1]["id"]) if more and items else None}
    )


def _instant(name: str, instant: dt.datetime) -> str:
    """As the log writes ``decided_at`` (China time, seconds), so text order is time order."""
    try:
        return to_china_time(instant).isoformat(timespec="seconds")
    except OverflowError:
        raise ApiError(422, "is out of the range of dates", ["query", name]) from None


@router.get(
    "/{decision_id}",
    response_model=LoggedDecision,
    responses={**ERROR_RESPONSES, **NOT_FOUND},
    summary="One logged decision, with the case as received",
)
def get_decision(request: Request, decision_id: DecisionId) -> Any:
    store = context(request).kernel.store
    assert store is not None
    record = store.get_decision(decision_id)
    if record is None:
        raise _not_found(decision_id)
    return JSONResponse(record)


@router.post(
    "/{decision_id}/replay",
    response_model=ReplayOut,
    responses={
        **ERROR_RESPONSES,
        **NOT_FOUND,
        409: {"model": ErrorBody, "description": "Logged without what a replay needs"},
    },
    summary="Decide a logged case again and report what changed",
)
def replay(
    request: Request,
    decision_id: DecisionId,
    current: Annotated[
        bool, Query(description="Against the rules in force now, not the logged rule files")
    ] = False,
) -> Any:
    """The case as received, at the instant it was decided, with the rule files it was
    decided with (or, `current=true`, today's); every outcome field that differs."""
    ctx = context(request)
    store = ctx.kernel.store
    assert store is not None
    if not store.query("SELECT 1 FROM decisions WHERE id = ?", [decision_id]):
        raise _not_found(decision_id)
    with ctx.heavy:
        try:
            result = replay_decision(
                store, decision_id, current=current, rules_dir=ctx.settings.rules_dir
            )
        except ReplayError as exc:
            raise ApiError(409, str(exc), ["path", "decision_id"]) from None
    differences = []
    for found in result.differences:
        item: dict[str, Any] = {"kind": found.kind, "field": found.field}
        if found.logged is not ABSENT:
            item["logged"] = found.logged
        if found.replayed is not ABSENT:
            item["replayed"] = found.replayed
        differences.append(item)
    return JSONResponse(
        {
            "decision_id": result.decision_id,
            "as_of": result.as_of,
            "current": result.current,
            "same": result.same,
            "differences": differences,
            "notes": result.notes,
        }
    )


def _not_found(decision_id: int) -> ApiError:
    return ApiError(404, f"no decision {decision_id} in the log", ["path", "decision_id"])
