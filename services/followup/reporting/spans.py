"""The days each of a report's figures counts over, as whole months and the days around them. Pure.

Every figure counts matches (or approvals) whose date lies in a range of days
(``figures_from_counts``): the period itself; the matches of the period that are
eligible at six months (matched up to ``standing.last_eligible_matched_on(to)``);
everything up to the period's end (active then = matched by then − closed by
then); and every day, to know which regions and sites have anything at all.
The count tables hold counts per month (``count_tables``), so a range is read
as its whole months from them and the days left over from the fact tables.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from services.followup.standing import last_eligible_matched_on

Month = int  # year * 100 + month: 202306 is June 2023
Days = tuple[date | None, date | None]  # first and last day, both included; None: no bound

PERIOD, ELIGIBLE, BY_END, EVER = "period", "eligible", "by_end", "ever"


@dataclass(frozen=True)
class Span:
    """A range of days: the whole months in it (None: none), and its days outside them."""

    months: tuple[Month | None, Month | None] | None
    edges: tuple[Days, ...]

    def whole_days(self) -> Days | None:
        """The days of the whole months, as one range (None: no whole month)."""
        if self.months is None:
            return None
        first, last = self.months
        return (None if first is None else first_day(first), None if last is None else last_day(last))


def report_spans(date_from: date, date_to: date) -> dict[str, Span]:
    """The spans of a report on the period ``date_from`` .. ``date_to``."""
    return {PERIOD: split(date_from, date_to), ELIGIBLE: split(date_from, last_eligible_matched_on(date_to)),
            BY_END: split(None, date_to), EVER: split(None, None)}


def split(first: date | None, last: date | None) -> Span:
    """The days ``first`` .. ``last`` as whole months and edges."""
    if first is not None and last is not None and first > last:
        return Span(None, ())
    lo = None if first is None else month_of(first) if first.day == 1 else next_month(month_of(first))
    hi = None if last is None else month_of(last) if last == last_day(month_of(last)) else previous_month(
        month_of(last))
    if lo is not None and hi is not None and lo > hi:
        return Span(None, ((first, last),))
    edges: list[Days] = []
    if first is not None and first.day != 1:
        edges.append((first, last_day(month_of(first))))
    if last is not None and last != last_day(month_of(last)):
        edges.append((first_day(month_of(last)), last))
    return Span((lo, hi), tuple(edges))


def month_of(moment: date | datetime) -> Month:
    return moment.year * 100 + moment.month


def first_day(month: Month) -> date:
    return date(month // 100, month % 100, 1)


def last_day(month: Month) -> date:
    year, number = divmod(month, 100)
    return date(year, number, calendar.monthrange(year, number)[1])


def next_month(month: Month) -> Month:
    return month + 1 if month % 100 < 12 else month + 89


def previous_month(month: Month) -> Month:
    return month - 1 if month % 100 > 1 else month - 89
