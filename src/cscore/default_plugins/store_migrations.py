"""The core migration set of the decision log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cscore.hookspecs import hookimpl

if TYPE_CHECKING:
    from sqlite_utils import Migrations


@hookimpl(trylast=True)
def register_migrations(register: Callable[[Migrations], None]) -> None:
    from cscore.store.migrations import core  # asked only when a log is opened

    register(core)
