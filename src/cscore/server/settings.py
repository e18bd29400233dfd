"""What a server is configured with: read from the environment, so that every worker
process uvicorn starts (``--workers N``) is configured alike (``cscore serve`` sets the
variables from its options before the workers start)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from cscore.boundary import MAX_BODY_CHARS

# The same limit as the Python API (cscore.boundary): a larger body is a 413 here
# rather than a 422 from the envelope check. A case is a few kB; rule files are small.
DEFAULT_MAX_BODY_BYTES = MAX_BODY_CHARS
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class ServerSettings:
    """:param rules_dir: ``CSCORE_RULES_DIR`` (default: the plugins' rule files).
    :param db: ``CSCORE_DB``, the decision log every worker shares (default ``cscore.db``).
    :param admin_token: ``CSCORE_ADMIN_TOKEN``; unset: ``POST /v1/rules/reload`` is
        disabled.
    :param max_body_bytes: ``CSCORE_MAX_BODY_BYTES``: a larger request body is 413.
    """

    rules_dir: str | None = None
    db: str = "cscore.db"
    admin_token: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServerSettings:
        env = os.environ if env is None else env
        limit = env.get("CSCORE_MAX_BODY_BYTES", "").strip()
        try:
            max_body = int(limit) if limit else DEFAULT_MAX_BODY_BYTES
        except ValueError:
            raise ValueError(f"CSCORE_MAX_BODY_BYTES: not a whole number: {limit!r}") from None
        if max_body < 1:
            raise ValueError(f"CSCORE_MAX_BODY_BYTES: must be at least 1, got {max_body}")
        return cls(
            rules_dir=env.get("CSCORE_RULES_DIR") or None,
            db=env.get("CSCORE_DB") or "cscore.db",
            admin_token=env.get("CSCORE_ADMIN_TOKEN") or None,
            max_body_bytes=max_body,
        )
