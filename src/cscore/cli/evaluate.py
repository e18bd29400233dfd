"""``cscore evaluate``: decide a case and print the decision."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from cscore.cli.explain import explain


@click.command()
@click.argument("case_file", type=click.File("rb"), metavar="CASE.json|-")
@click.option("--explain", "as_text", is_flag=True, help="Print the reasons for a person.")
@click.option(
    "--all", "show_all", is_flag=True, help="With --explain: also rules that decided nothing."
)
@click.option("--no-log", is_flag=True, help="Do not record the decision in the log.")
@click.pass_obj
def evaluate(settings: Any, case_file: Any, as_text: bool, show_all: bool, no_log: bool) -> None:
    """Decide one case (a JSON file, or - for standard input).

    Prints the decision as JSON (DESIGN.md §2.2); with --explain, what to tell the
    customer, the rule that decided each field (file:line, the values it read), and for
    a limited outcome why not and what would change it. The decision is recorded
    in the decision log (--db) unless --no-log is given.
    """
    text = case_file.read()  # bytes: the kernel answers a non-UTF-8 file with one line
    kernel = settings.kernel(log=not no_log)
    decision = kernel.evaluate(text)
    if as_text:
        click.echo(explain(decision, show_all))
    else:
        json.dump(decision.to_json_dict(), sys.stdout, ensure_ascii=False, indent=2)
        click.echo()
