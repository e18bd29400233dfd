"""``cscore calendar YEAR``: a year's rest days and make-up working days, and their source."""

from __future__ import annotations

from typing import Any

import click

from cscore.calendar import PROVISIONAL_YEARS, provisional_warning
from cscore.calendar.describe import year_in_force

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@click.command()
@click.argument("year", type=click.IntRange(1, 9999))
@click.pass_obj
def calendar(settings: Any, year: int) -> None:
    """Show YEAR's rest days and 调休 working days, and where each one comes from.

    Ordinary weekends are not listed. The source is a loaded calendar file
    (<rules-dir>/calendar/YEAR.yaml), the official table, or — for a year whose notice
    is not loaded — the statutory rule (全国年节及纪念日放假办法).
    """
    table = year_in_force(year, settings.kernel(log=False).calendar_data)
    if table is None:
        click.echo(
            f"{year}: no holiday table (the statutory calendar covers {PROVISIONAL_YEARS.start}"
            f"–{PROVISIONAL_YEARS.stop - 1}); working days are assumed Mon–Fri"
        )
        return
    click.echo(f"{year}: {table.source}")
    days = [(d, "rest", why) for d, why in table.rest_days.items()]
    days += [(d, "working", why) for d, why in table.working_days.items()]
    for d, status, why in sorted(days):
        click.echo(f"{d.isoformat()} {_WEEKDAYS[d.weekday()]} {status:<7} {why}")
    if table.provisional:
        click.echo(f"warning: {provisional_warning(year)}")
