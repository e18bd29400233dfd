"""The HTTP API (``cscore serve``; docs/http.md): the kernel for hosts not in Python."""

from __future__ import annotations

from cscore.server.app import create_app
from cscore.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
