"""Default routing: the case names its industry."""

from __future__ import annotations

from collections.abc import Mapping

from cscore.hookspecs import hookimpl
from cscore.industry import IndustrySpec
from cscore.models.case import Case


@hookimpl(trylast=True)
def route_case(case: Case, industries: Mapping[str, IndustrySpec]) -> str | None:
    return case.industry
