"""COMMON-CAL-011: the statutory rest days of a year without a loaded notice.

Checked against CATALOG.md §8's provisional 2027 table and against the official tables
of the years the ``chinese-calendar`` package carries (every statutory day must be a rest
day there: the notices only ever add to the statutory days).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cscore.calendar import (
    OFFICIAL_YEARS,
    PROVISIONAL_YEARS,
    official_is_working_day,
    provisional_year,
    statutory_days,
)
from cscore.calendar.statutory import StatutoryDay, make_up_days


def _span(start: str, end: str) -> list[date]:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- CATALOG §8: 2027 — PROVISIONAL, typed in from the catalog and the brief -------------------

# 元旦 Fri 01-01; 春节 除夕 Fri 02-05, 初一 Sat, 初二 Sun, 初三 Mon + make-up Tue 02-09, Wed 02-10;
# 清明 04-05; 劳动节 Sat/Sun 05-01/02 + Mon/Tue; 端午 06-09; 中秋 09-15; 国庆 Fri–Sun + Mon/Tue.
REST_2027 = [
    date(2027, 1, 1),
    *_span("2027-02-05", "2027-02-10"),
    date(2027, 4, 5),
    *_span("2027-05-01", "2027-05-04"),
    date(2027, 6, 9),
    date(2027, 9, 15),
    *_span("2027-10-01", "2027-10-05"),
]


def test_2027_matches_the_catalog_provisional_table():
    table = provisional_year(2027)
    assert table is not None and table.provisional
    assert sorted(table.rest_days) == REST_2027
    assert table.working_days == {}  # no 调休 working weekend is assumed
    for d in _span("2027-01-01", "2027-12-31"):
        expected = d not in REST_2027 and d.weekday() < 5
        assert table.is_working_day(d) is expected, d


def test_2027_spring_festival_make_up_days_chain_after_the_block():
    table = provisional_year(2027)
    assert table is not None
    assert table.rest_days[date(2027, 2, 5)] == "春节 除夕 (第二条)"
    assert table.rest_days[date(2027, 2, 9)] == "第六条 make-up for 春节 初一 on Saturday"
    assert table.rest_days[date(2027, 2, 10)] == "第六条 make-up for 春节 初二 on Sunday"
    assert table.is_working_day(date(2027, 2, 4)) and table.is_working_day(date(2027, 2, 11))


def test_2027_lunar_and_solar_term_days():
    days = {s.label: s.day for s in statutory_days(2027)}
    assert days["春节 除夕"] == date(2027, 2, 5)
    assert days["春节 初一"] == date(2027, 2, 6)
    assert days["清明节"] == date(2027, 4, 5)
    assert days["端午节"] == date(2027, 6, 9)
    assert days["中秋节"] == date(2027, 9, 15)


# --- against the official tables --------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_and_make_up_day_is_official_rest(year):
    # The 2024 revision is the law of 2025 and 2026: its days, make-ups included, must all
    # be off in the State Council's notices (which add bridge days on top).
    assert year in OFFICIAL_YEARS
    table = provisional_year(year)
    assert table is not None
    assert len(table.rest_days) >= 13
    for d, why in table.rest_days.items():
        assert official_is_working_day(d) is False, (d, why)


@pytest.mark.parametrize("year", range(2008, 2025))
def test_lunar_and_solar_term_days_match_older_official_years(year):
    # 2008–2024 were under older revisions (no 除夕, one day of 劳动节), but the lunar and
    # solar-term days themselves must fall in the notices' holidays: 17 years of checks of
    # the library's 春节, 清明, 端午 and 中秋.
    older_law = {"春节 除夕", "劳动节 5月2日"}
    for statutory in statutory_days(year):
        if statutory.label in older_law:
            continue
        assert official_is_working_day(statutory.day) is False, (year, statutory)


# --- the rules of the computation -------------------------------------------------------------


@pytest.mark.parametrize("year", list(PROVISIONAL_YEARS))
def test_every_provisional_year_is_well_formed(year):
    days = statutory_days(year)
    assert len(days) == 13
    assert all(s.day.year == year for s in days)
    by_label = {s.label: s.day for s in days}
    assert by_label["春节 初一"] - by_label["春节 除夕"] == timedelta(days=1)
    assert date(year, 1, 21) <= by_label["春节 初一"] <= date(year, 2, 20)
    assert by_label["清明节"] in (date(year, 4, 4), date(year, 4, 5))  # this century
    # 第六条: every statutory day gets a working day off — its own if it is a weekday no
    # other festival took first, else a make-up — always a weekday that is not statutory.
    made_up = make_up_days(days)
    expected = len(days) - len({s.day for s in days if s.day.weekday() < 5})
    assert len(made_up) == expected
    assert all(d.weekday() < 5 and d not in {s.day for s in days} for d in made_up)


def test_new_year_on_saturday_is_made_up_on_monday():
    table = provisional_year(2028)
    assert table is not None
    assert date(2028, 1, 1).weekday() == 5
    assert table.rest_days[date(2028, 1, 3)] == "第六条 make-up for 元旦 on Saturday"
    assert table.is_working_day(date(2028, 1, 4))


def test_mid_autumn_on_a_national_day_gets_its_own_make_up():
    # 2028: 中秋 = 10-03 = 国庆 day 3; 国庆 10-01 is a Sunday. Both are made up after the block.
    table = provisional_year(2028)
    assert table is not None
    assert table.rest_days[date(2028, 10, 3)] == "中秋节 + 国庆节 10月3日 (第二条)"
    assert table.rest_days[date(2028, 10, 4)] == "第六条 make-up for 国庆节 10月1日 on Sunday"
    assert table.rest_days[date(2028, 10, 5)].startswith("make-up for 国庆节 10月3日")
    assert table.is_working_day(date(2028, 10, 6))


def test_mid_autumn_on_the_eve_of_national_day_is_made_up_after_it():
    # 中秋 on Sat 09-30 (2023 had 中秋 on Fri 09-29): its make-up skips 10-01..03.
    days = [s for s in statutory_days(2028) if s.festival != "中秋节"]
    saturday = date(2028, 9, 30)
    assert saturday.weekday() == 5
    days = sorted([*days, StatutoryDay(saturday, "中秋节", "中秋节")], key=lambda s: s.day)
    made_up = make_up_days(days)
    assert made_up[date(2028, 10, 4)][0].label == "中秋节"  # first weekday after 国庆 1–3
    assert made_up[date(2028, 10, 5)][0].label == "国庆节 10月1日"


def test_years_outside_the_range_have_no_provisional_table():
    assert provisional_year(PROVISIONAL_YEARS.start - 1) is None
    assert provisional_year(PROVISIONAL_YEARS.stop) is None
