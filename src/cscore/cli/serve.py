"""``cscore serve``: the HTTP API (docs/http.md) under uvicorn."""

from __future__ import annotations

import os
from typing import Any

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes; they share only the decision log (--db).",
)
@click.option(
    "--max-body-bytes",
    envvar="CSCORE_MAX_BODY_BYTES",
    type=click.IntRange(1),
    help="Largest request body accepted (else 413) [env CSCORE_MAX_BODY_BYTES; 1 MiB].",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Proxies whose X-Forwarded-For/-Proto are trusted (behind a reverse proxy).",
)
@click.option("--log-level", default="info", show_default=True)
@click.pass_obj
def serve(
    settings: Any,
    host: str,
    port: int,
    workers: int,
    max_body_bytes: int | None,
    forwarded_allow_ips: str,
    log_level: str,
) -> None:
    """Serve the HTTP API: POST /v1/decisions, /v1/industries, /docs, /metrics, ...

    \b
    cscore serve --port 8000 --workers 2
    curl -s localhost:8000/v1/decisions -H 'Content-Type: application/json' \\
         -d @examples/return-request.json

    The admin token for POST /v1/rules/reload is read from CSCORE_ADMIN_TOKEN only
    (never an option: command lines are visible to every user of the machine).
    """
    import uvicorn

    if settings.db == ":memory:" and workers > 1:
        raise click.ClickException("--db :memory: cannot be shared by several workers")
    # Every worker reads its settings from the environment (uvicorn starts them afresh).
    if settings.rules_dir:
        os.environ["CSCORE_RULES_DIR"] = settings.rules_dir
    os.environ["CSCORE_DB"] = settings.db
    if max_body_bytes is not None:
        os.environ["CSCORE_MAX_BODY_BYTES"] = str(max_body_bytes)
    # The rules and the log are checked once here, so a mistake is one line, not a
    # traceback from each worker.
    from cscore.kernel import Kernel

    Kernel(rules_dir=settings.rules_dir, db=settings.db).close()
    uvicorn.run(
        "cscore.server.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=True,
        http="cscore.server.protocol:NoDelayH11Protocol",
        forwarded_allow_ips=forwarded_allow_ips,
    )
