"""The ``cscore`` command line.

Commands are grouped by what they act on (``evaluate``, ``rules``, ``decisions``,
``plugins``, ``calendar``; ``serve`` runs the HTTP API); plugins add their own through
the ``register_commands`` hook.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

import cscore
from cscore.cli.calendar import calendar
from cscore.cli.decisions import decisions
from cscore.cli.evaluate import evaluate
from cscore.cli.plugins import functions, plugins
from cscore.cli.rules import rules
from cscore.cli.serve import serve
from cscore.errors import CscoreError
from cscore.plugins import make_plugin_manager
from cscore.store import default_db_path


class Settings:
    """Options shared by every command; the kernel is built only when needed."""

    def __init__(self, rules_dir: str | None, db: str | None) -> None:
        self.rules_dir = rules_dir
        self.db = db
        self._kernel: Any = None
        self._kernel_key: tuple[bool, str | Path | None, int] | None = None

    def kernel(
        self, *, log: bool = True, rules_dir: str | Path | None = None, workers: int = 0
    ) -> Any:
        from cscore.kernel import Kernel

        wanted = rules_dir if rules_dir is not None else self.rules_dir
        if self._kernel is None or self._kernel_key != (log, wanted, workers):
            if self._kernel is not None:
                self._kernel.close()  # its worker processes, if any, stop with it
            self._kernel = Kernel(rules_dir=wanted, db=self.db if log else None, workers=workers)
            self._kernel_key = (log, wanted, workers)
        return self._kernel

    def close(self) -> None:
        if self._kernel is not None:
            self._kernel.close()


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CscoreError as exc:  # a one-line answer, never a traceback
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(cscore.__version__, prog_name="cscore")
@click.option(
    "--rules-dir",
    envvar="CSCORE_RULES_DIR",
    type=click.Path(file_okay=False),
    help="Folder with common/ and <industry>/ rule files [env CSCORE_RULES_DIR].",
)
@click.option(
    "--db",
    envvar="CSCORE_DB",
    default=lambda: str(default_db_path()),
    show_default="$XDG_DATA_HOME/cscore/decisions.db, else ~/.local/share/cscore/decisions.db",
    help="Decision log (SQLite) that `evaluate` writes and `decisions` reads [env CSCORE_DB].",
)
@click.pass_context
def cli(ctx: click.Context, rules_dir: str | None, db: str) -> None:
    """cscore decides customer-service cases from business-owned rule files.

    \b
    cscore evaluate examples/return-request.json --explain
    cscore rules test
    """
    settings = Settings(rules_dir, db)
    ctx.obj = settings
    ctx.call_on_close(settings.close)


cli.add_command(evaluate)
cli.add_command(rules)
cli.add_command(decisions)
cli.add_command(plugins)
cli.add_command(functions)
cli.add_command(calendar)
cli.add_command(serve)


# Commands no plugin can extend (they are not groups): running one needs no plugin
# commands, so the CLI does not discover plugins twice (the kernel does it again).
_LEAF_COMMANDS = frozenset({"evaluate"})
_GROUP_OPTIONS = frozenset({"--rules-dir", "--db"})  # the group's options that take a value


def _command_of(args: list[str]) -> str | None:
    """The command named on the command line (after the group's own options)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _GROUP_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def main() -> None:
    # Plugins contribute commands when the group is built, not at import time.
    wanted = _command_of(sys.argv[1:])
    if os.environ.get("CSCORE_NO_PLUGIN_COMMANDS") is None and wanted not in _LEAF_COMMANDS:
        try:
            make_plugin_manager().hook.register_commands(cli=cli)
        except CscoreError as exc:
            raise SystemExit(f"Error: {exc}") from None
    cli(prog_name="cscore")
