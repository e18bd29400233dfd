"""The core migration set of the decision log."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Migrations

from cscore.hookspecs import hookimpl
from cscore.store.migrations import core


@hookimpl(trylast=True)
def register_migrations(register: Callable[[Migrations], None]) -> None:
    register(core)
