"""Reading a JSON request body within the configured limit.

The case is read as bytes and parsed here rather than by the framework, so that every
problem gets its own status: not JSON media type 415, too large 413 (before parsing,
while it streams in), not JSON or too deeply nested 422 naming the line and column.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from cscore.server.errors import ApiError

JSON_TYPES = ("application/json",)
# Far deeper than any case; deep enough input would exhaust the recursion of the
# validators and serialisers after it (a case is facts, lists of claims, their fields).
MAX_DEPTH = 32


def is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in JSON_TYPES or (media.startswith("application/") and media.endswith("+json"))


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"request body larger than {limit} bytes (the server's CSCORE_MAX_BODY_BYTES)",
        ["body"],
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The body's bytes; 413 as soon as more than ``limit`` arrive."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int, *, required: bool = True) -> Any:
    """The parsed JSON body; ``None`` for an empty body when not ``required``."""
    body = await read_body(request, limit)
    if not body.strip() and not required:
        return None
    content_type = request.headers.get("content-type", "")
    if not is_json_media_type(content_type):
        shown = content_type or "none given"
        raise ApiError(
            415,
            f"send the body as application/json (Content-Type: {shown})",
            ["header", "content-type"],
        )
    if not body.strip():
        raise ApiError(422, "is empty: send a JSON object", ["body"])
    return parse_json(body)


def parse_json(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(422, f"is not UTF-8 text ({exc.reason})", ["body"]) from None
    try:
        value = json.loads(text, parse_constant=_not_a_number)
    except json.JSONDecodeError as exc:
        raise ApiError(
            422, f"is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}", ["body"]
        ) from None
    except RecursionError:
        raise ApiError(422, "is nested too deeply", ["body"]) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise ApiError(422, f"is not valid JSON: {exc}", ["body"]) from None
    if _depth(value) > MAX_DEPTH:
        raise ApiError(422, f"is nested more than {MAX_DEPTH} levels deep", ["body"])
    return value


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    """How deeply lists and objects nest (walked without recursion)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend((child, level + 1) for child in item)
    return deepest
