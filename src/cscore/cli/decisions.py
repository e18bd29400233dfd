"""``cscore decisions``: read the decision log."""

from __future__ import annotations

import json
from typing import Any

import click

from cscore.errors import StoreError
from cscore.store import DecisionStore, parse_age


@click.group()
def decisions() -> None:
    """Read the decision log (every decision made through the CLI or a logging kernel)."""


@decisions.command("list")
@click.option("--limit", default=20, show_default=True, help="How many, newest first.")
@click.option("--case-id", help="Only this case.")
@click.option("--industry", help="Only this industry.")
@click.pass_obj
def list_decisions(settings: Any, limit: int, case_id: str | None, industry: str | None) -> None:
    """List logged decisions, newest first: id, time, case, and each kind's decision."""
    try:
        store = DecisionStore(settings.db, read_only=True)  # reading never creates a log
    except StoreError as exc:
        click.echo(f"no decisions logged: {exc}")
        return
    try:
        rows = store.list_decisions(limit=limit, case_id=case_id, industry=industry)
    finally:
        store.close()
    if not rows:
        click.echo(f"no decisions logged in {settings.db}")
        return
    for row in rows:
        summary = "; ".join(
            f"{kind}: {_headline(outcome)}" for kind, outcome in row["outcomes"].items()
        )
        click.echo(f"{row['id']:>6}  {row['decided_at']}  {row['case_id']}  {summary}")


def _headline(outcome: dict[str, Any]) -> str:
    for key in ("decision", "covered", "shipping_fee", "escalation_level", "department"):
        if key in outcome:
            return f"{key}={outcome[key]}"
    return "-" if not outcome else next(f"{k}={v}" for k, v in outcome.items())


@decisions.command("show")
@click.argument("decision_id", type=int)
@click.option("--explain", "as_text", is_flag=True, help="Explain it as `evaluate --explain`.")
@click.option(
    "--all", "show_all", is_flag=True, help="With --explain: also rules that decided nothing."
)
@click.pass_obj
def show(settings: Any, decision_id: int, as_text: bool, show_all: bool) -> None:
    """Show one logged decision: the case as received and the decision as answered;
    --explain renders it from the log alone, as `evaluate --explain` did."""
    store = DecisionStore(settings.db, read_only=True)
    try:
        record = store.get_decision(decision_id)
    finally:
        store.close()
    if record is None:
        raise click.ClickException(f"no decision {decision_id} in {settings.db}")
    if as_text:
        from cscore.cli.explain import explain

        answer = record["decision"]
        if "explanation" not in answer:  # the log keeps what it needs to make it again
            from cscore.replay import decide_again

            store = DecisionStore(settings.db, read_only=True)
            try:
                again = decide_again(store, decision_id).to_json_dict()
            finally:
                store.close()
            answer = {**answer, "explanation": again.get("explanation")}
        click.echo(explain(answer, show_all))
        return
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


@decisions.command("replay")
@click.argument("decision_id", type=int)
@click.option(
    "--current",
    is_flag=True,
    help="Replay against the rules in force now (--rules-dir), not the logged ones.",
)
@click.pass_obj
def replay(settings: Any, decision_id: int, current: bool) -> None:
    """Decide a logged case again, as received and at the instant it was decided, with
    the rule files it was decided with (or, --current, today's), and print "same" or
    each outcome field that differs. Exit status 0: same; 1: different."""
    from cscore.replay import replay_decision  # builds a kernel: only when asked

    store = DecisionStore(settings.db)
    try:
        result = replay_decision(store, decision_id, current=current, rules_dir=settings.rules_dir)
    finally:
        store.close()
    for note in result.notes:
        click.echo(f"warning: {note}")
    rules = "the current rules" if current else "its logged rule files"
    if result.same:
        click.echo(f"same (decision {decision_id} at {result.as_of}, {rules})")
        return
    click.echo(f"different (decision {decision_id} at {result.as_of}, {rules}):")
    for difference in result.differences:
        click.echo(f"  {difference}")
    raise SystemExit(1)


@decisions.command("prune")
@click.option(
    "--older-than",
    required=True,
    metavar="AGE",
    help="Delete decisions logged longer ago than this: 30d, 12h, 90m, 4w.",
)
@click.pass_obj
def prune(settings: Any, older_than: str) -> None:
    """Delete old decisions (with their rule hits) from the log.

    A kernel can prune by itself: set CSCORE_DB_RETENTION=30d (or Kernel(log_retention=...)).
    """
    try:
        parse_age(older_than)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from None
    store = DecisionStore(settings.db, read_only=True)  # a missing log: say so, create nothing
    store.close()
    store = DecisionStore(settings.db)
    try:
        removed = store.prune(older_than)
        left = store.count()
    finally:
        store.close()
    click.echo(
        f"pruned {removed} decisions older than {older_than} from {settings.db}; {left} left"
    )
