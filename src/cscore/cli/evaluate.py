"""``cscore evaluate``: decide a case (or a file of JSON lines) and print the decision."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import islice
from typing import Any, TextIO

import click

# JSON lines are decided in batches of this many: one log transaction (or a few) each,
# and memory stays flat however long the input is.
JSONL_BATCH = 256


@click.command()
@click.argument("case_file", type=click.File("rb"), metavar="CASE.json|-")
@click.option("--explain", "as_text", is_flag=True, help="Print the reasons for a person.")
@click.option(
    "--all", "show_all", is_flag=True, help="With --explain: also rules that decided nothing."
)
@click.option("--no-log", is_flag=True, help="Do not record the decision in the log.")
@click.option(
    "--jsonl",
    is_flag=True,
    help="The file holds one case per line: print one decision per line, "
    '{"line": N, "error": "…"} for a line that cannot be decided.',
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="With --jsonl: share each batch with N worker processes (the number of cores "
    "is a good choice; 0: decide every line in this process).",
)
@click.pass_obj
def evaluate(
    settings: Any,
    case_file: Any,
    as_text: bool,
    show_all: bool,
    no_log: bool,
    jsonl: bool,
    workers: int,
) -> None:
    """Decide one case (a JSON file, or - for standard input).

    Prints the decision as JSON (DESIGN.md §2.2); with --explain, what to tell the
    customer, the rule that decided each field (file:line, the values it read), and for
    a limited outcome why not and what would change it. The decision is recorded
    in the decision log (--db) unless --no-log is given. With --jsonl, every line of the
    file is a case (blank lines are skipped); the exit status is 1 if any line failed;
    --workers N shares the lines with N processes (the output is the same).
    """
    if workers and not jsonl:
        raise click.UsageError("--workers shares the lines of --jsonl; one case is decided here")
    if jsonl:
        if as_text:
            raise click.UsageError("--explain prints one case for a person; not with --jsonl")
        kernel = settings.kernel(log=not no_log, workers=workers)
        failed = evaluate_lines(kernel, case_file, sys.stdout)
        if failed:
            shown = ", ".join(map(str, failed[:10])) + (" …" if len(failed) > 10 else "")
            raise click.ClickException(f"{len(failed)} line(s) could not be decided: {shown}")
        return
    text = case_file.read()  # bytes: the kernel answers a non-UTF-8 file with one line
    kernel = settings.kernel(log=not no_log)
    decision = kernel.evaluate(text)
    if as_text:
        from cscore.cli.explain import explain  # only --explain needs it

        click.echo(explain(decision, show_all))
    else:
        json.dump(decision.to_json_dict(), sys.stdout, ensure_ascii=False, indent=2)
        click.echo()


def evaluate_lines(kernel: Any, source: TextIO, out: TextIO) -> list[int]:
    """Decide each non-blank line with ``kernel.evaluate_many``, a batch at a time;
    write one JSON line per case in input order; the numbers of the lines that failed."""
    failed: list[int] = []
    lines = _numbered(source)
    while batch := list(islice(lines, JSONL_BATCH)):
        answers = kernel.evaluate_many([text for _number, text in batch], full=True)
        for (number, _text), answer in zip(batch, answers, strict=True):
            if isinstance(answer, Exception):
                failed.append(number)
                out.write(json.dumps({"line": number, "error": str(answer)}, ensure_ascii=False))
            else:
                out.write(answer.model_dump_json())
            out.write("\n")
    return failed


def _numbered(source: TextIO) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(source, 1):
        if line.strip():
            yield number, line
