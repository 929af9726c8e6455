"""The report's counts: the days each figure counts over, and what a new version of a fact changes."""
from __future__ import annotations

import random
from datetime import date, timedelta

from services.followup.reporting.contributions import (
    ARRIVED,
    CLOSED,
    COUNTRY,
    DECADE,
    GENDER,
    MATCHED,
    SUCCESSFUL,
    change,
    of_match,
)
from services.followup.reporting.spans import Span, first_day, last_day, split
from services.followup.standing import last_eligible_matched_on, six_month_mark


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def _covered(span: Span, lo: date, hi: date) -> list[date]:
    """Every day the span counts, between lo and hi (standing in for no bound), with repeats."""
    found: list[date] = []
    whole = span.whole_days()
    for first, last in ([whole] if whole else []) + list(span.edges):
        found += sorted(_days(first or lo, last or hi))
    return found


def test_the_last_eligible_day_is_the_last_whose_mark_is_reached():
    day = date(2022, 12, 1)
    while day < date(2025, 3, 1):  # a leap year's February, every month's ends
        near = _days(day - timedelta(days=190), day - timedelta(days=175))  # six months are 181 to 184 days
        assert six_month_mark(min(near)) <= day < six_month_mark(max(near))
        assert last_eligible_matched_on(day) == max(d for d in near if six_month_mark(d) <= day), day
        day += timedelta(days=1)
    assert last_eligible_matched_on(date(2023, 2, 28)) == date(2022, 8, 31)  # Aug 29..31 all reach Feb 28


def test_a_range_is_its_whole_months_and_its_edges_each_day_once():
    rng = random.Random(5)
    lo, hi = date(2021, 11, 1), date(2023, 10, 31)
    for _ in range(300):
        first = date(2022, 1, 1) + timedelta(days=rng.randint(0, 300))
        last = first + timedelta(days=rng.choice([0, 1, 15, 29, 30, 31, 60, rng.randint(0, 300)]))
        for a, b in ((first, last), (None, last), (first, None), (None, None)):
            span = split(a, b)
            days = _covered(span, lo, hi)
            assert len(days) == len(set(days)) and set(days) == _days(a or lo, b or hi), (a, b)
            if span.months is not None and span.months[0] is not None and span.months[1] is not None:
                assert first_day(span.months[0]) >= (a or lo) and last_day(span.months[1]) <= (b or hi)
    assert split(date(2022, 1, 1), date(2022, 12, 31)) == Span((202201, 202212), ())
    assert split(date(2022, 1, 2), date(2022, 1, 30)) == Span(None, ((date(2022, 1, 2), date(2022, 1, 30)),))
    assert split(date(2022, 3, 2), date(2022, 1, 30)) == Span(None, ())


def _match(**changed):
    row = {"region": "hovedstaden", "site": "CTP", "matched_on": date(2022, 8, 31),
           "six_month_on": date(2023, 2, 28), "closed_on": None, "gender": "female", "country": "SY",
           "age_decade": 4, "arrival_year": 2014}
    return {**row, **changed}


def test_a_closure_changes_only_its_own_counts():
    before, closed = _match(), _match(closed_on=date(2023, 2, 27))  # the day before the mark
    assert change(of_match(before), of_match(closed)) == {
        ("hovedstaden", "CTP", SUCCESSFUL, "", 202208): -1, ("hovedstaden", "CTP", CLOSED, "", 202302): 1}
    on_the_mark = _match(closed_on=date(2023, 2, 28))
    assert change(of_match(before), of_match(on_the_mark)) == {("hovedstaden", "CTP", CLOSED, "", 202302): 1}


def test_a_closure_dated_before_the_match_counts_from_the_match():
    early = _match(closed_on=date(2022, 7, 1))
    assert ("hovedstaden", "CTP", CLOSED, "", 202208) in of_match(early)


def test_a_participant_learned_after_the_match_moves_it_to_its_site_and_breakdowns():
    unknown = _match(site=None, gender=None, country=None, age_decade=None, arrival_year=None)
    assert change(of_match(unknown), of_match(_match())) == {
        ("hovedstaden", None, MATCHED, "", 202208): -1, ("hovedstaden", None, SUCCESSFUL, "", 202208): -1,
        ("hovedstaden", "CTP", MATCHED, "", 202208): 1, ("hovedstaden", "CTP", SUCCESSFUL, "", 202208): 1,
        ("hovedstaden", "CTP", GENDER, "female", 202208): 1, ("hovedstaden", "CTP", COUNTRY, "SY", 202208): 1,
        ("hovedstaden", "CTP", DECADE, "4", 202208): 1, ("hovedstaden", "CTP", ARRIVED, "", 202208): 1}
    assert change(of_match(_match()), of_match(_match())) == {}
