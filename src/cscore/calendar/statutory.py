"""COMMON-CAL-011: the statutory rest days of a year whose official notice is not loaded.

《全国年节及纪念日放假办法》(国务院令第795号, 2024 rev., in force 2025-01-01):

* 第二条 — rest days of every citizen: 元旦 1-01; 春节 农历除夕 and 正月初一至初三; 清明节
  (the day of the 清明 solar term); 劳动节 5-01, 5-02; 端午节 (农历五月初五); 中秋节
  (农历八月十五); 国庆节 10-01…10-03.
* 第六条 — such a day falling on a Saturday or Sunday is made up on a working day.

The lunar dates and the solar term come from ``lunar_python`` (pure Python, astronomical
algorithms). What this gives is the legal minimum: the State Council's yearly notice
usually adds bridge days and 调休 working weekends, which cannot be predicted, so no
working weekend is assumed and every use of such a year carries a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar

from cscore.calendar.year import CalendarYear

# The 2024 revision is the law from 2025 on (earlier years have official tables, and the
# older law had other days). The upper bound keeps decisions off lunar months predicted
# past this century; a year outside falls back to Mon–Fri with its own warning.
PROVISIONAL_YEARS = range(2025, 2100)

LAW = "全国年节及纪念日放假办法"
SOURCE = f"statutory rule ({LAW} 第二条, 第六条): no official notice loaded"

_SATURDAY = 5
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class StatutoryDay:
    """One rest day of 第二条: its date, festival (春节) and label (春节 初一)."""

    day: date
    festival: str
    label: str


def _solar(lunar: Lunar) -> date:
    solar = lunar.getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_days(year: int) -> list[StatutoryDay]:
    """第二条's rest days of ``year``, in date order (13 days; 中秋 and 国庆 may touch)."""
    new_year = _solar(Lunar.fromYmd(year, 1, 1))  # 正月初一 is always in January/February
    qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    days = [
        StatutoryDay(date(year, 1, 1), "元旦", "元旦"),
        StatutoryDay(new_year - _ONE_DAY, "春节", "春节 除夕"),  # the last day of 腊月, 29 or 30
        *(
            StatutoryDay(new_year + timedelta(days=i), "春节", f"春节 {label}")
            for i, label in enumerate(("初一", "初二", "初三"))
        ),
        StatutoryDay(
            date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节", "清明节"
        ),
        StatutoryDay(date(year, 5, 1), "劳动节", "劳动节 5月1日"),
        StatutoryDay(date(year, 5, 2), "劳动节", "劳动节 5月2日"),
        StatutoryDay(_solar(Lunar.fromYmd(year, 5, 5)), "端午节", "端午节"),
        StatutoryDay(_solar(Lunar.fromYmd(year, 8, 15)), "中秋节", "中秋节"),
        *(StatutoryDay(date(year, 10, d), "国庆节", f"国庆节 10月{d}日") for d in (1, 2, 3)),
    ]
    return sorted(days, key=lambda s: s.day)


def make_up_days(days: list[StatutoryDay]) -> dict[date, tuple[StatutoryDay, str]]:
    """第六条: each statutory day on a Saturday/Sunday gives the next working day off.

    Taken in date order, each such day claims the first Mon–Fri after it that is not
    already off — neither a statutory day nor an earlier make-up — so a block's make-ups
    follow it in a row (春节 2027: 初一 Sat, 初二 Sun → Tue 02-09, Wed 02-10, after 初三 Mon)
    and a festival next to another (中秋 on the eve of 国庆) is made up after both.

    A festival on the same date as another (中秋 on 10-03 in 2028) is made up the same
    way: the law grants both days, and the 2020 notice (中秋 = 国庆 10-01) did so.
    Returns each make-up day with the statutory day it stands for and why.
    """
    off = {statutory.day for statutory in days}
    first: dict[date, StatutoryDay] = {}  # the festival that had each date first
    made_up: dict[date, tuple[StatutoryDay, str]] = {}
    for statutory in days:
        other = first.setdefault(statutory.day, statutory)
        if other is not statutory:
            why = f"make-up for {statutory.label}, which falls on {other.label}"
        elif statutory.day.weekday() >= _SATURDAY:
            weekday = _WEEKDAY_NAMES[statutory.day.weekday()]
            why = f"第六条 make-up for {statutory.label} on {weekday}"
        else:
            continue
        d = statutory.day + _ONE_DAY
        while d.weekday() >= _SATURDAY or d in off:
            d += _ONE_DAY
        off.add(d)
        made_up[d] = (statutory, why)
    return made_up


@lru_cache(maxsize=64)
def provisional_year(year: int) -> CalendarYear | None:
    """COMMON-CAL-011's table of ``year``; ``None`` outside :data:`PROVISIONAL_YEARS`."""
    if year not in PROVISIONAL_YEARS:
        return None
    days = statutory_days(year)
    rest: dict[date, str] = {}
    for s in days:  # a day two festivals share shows both
        rest[s.day] = f"{rest[s.day]} + {s.label}" if s.day in rest else s.label
    rest = {d: f"{label} (第二条)" for d, label in rest.items()}
    for d, (_statutory, why) in make_up_days(days).items():
        rest[d] = why
    return CalendarYear(
        year=year,
        rest_days=dict(sorted(rest.items())),
        working_days={},
        source=SOURCE,
        provisional=True,
    )
