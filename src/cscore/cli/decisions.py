"""``cscore decisions``: read the decision log."""

from __future__ import annotations

import json
from typing import Any

import click

from cscore.store import DecisionStore


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
    store = DecisionStore(settings.db)
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
@click.pass_obj
def show(settings: Any, decision_id: int) -> None:
    """Show one logged decision: the case as received and the decision as answered."""
    store = DecisionStore(settings.db)
    try:
        record = store.get_decision(decision_id)
    finally:
        store.close()
    if record is None:
        raise click.ClickException(f"no decision {decision_id} in {settings.db}")
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))
