"""The evaluation's figures from facts, worked out by hand."""
from __future__ import annotations

from datetime import date

from services.followup.reporting.csv_output import to_csv
from services.followup.reporting.disclosure_control import protect as suppress
from services.followup.reporting.figures_from_fold import pct, summary
from services.followup.reporting.fold import Approval, FoldedFacts, MatchFact, ParticipantFact
from services.followup.standing import six_month_mark

FROM, TO = date(2022, 1, 1), date(2023, 6, 15)


def _facts() -> FoldedFacts:
    facts = FoldedFacts()
    people = [  # referral, site, region, gender, birth year, country, arrival
        ("r1", "CTP", "hovedstaden", "female", 1980, "SY", 2014),
        ("r2", "CTP", "hovedstaden", "female", 1975, "SY", 2010),
        ("r3", "OASIS", "hovedstaden", "male", 1990, "AF", 2016),
        ("r4", "ATT_VEJLE", "syddanmark", "female", 1960, "IQ", 2001),
        ("r5", "ATT_VEJLE", "syddanmark", "male", 1985, "SY", 2019),
    ]
    for ref, site, region, gender, born, country, arrived in people:
        facts.participants[ref] = ParticipantFact(ref, site, region, gender, born, country, arrived)
    matches = [  # match, referral, region, matched_on, closed_on
        ("m1", "r1", "hovedstaden", date(2022, 3, 1), None),              # eligible, successful
        ("m2", "r2", "hovedstaden", date(2022, 6, 10), date(2022, 9, 1)),  # eligible, closed before mark
        ("m3", "r3", "hovedstaden", date(2023, 1, 31), None),             # mark 2023-07-31 > to: not eligible
        ("m4", "r4", "syddanmark", date(2022, 8, 31), date(2023, 2, 28)),  # mark 2023-02-28: closed on it = success
        ("m5", "r5", "syddanmark", date(2021, 12, 1), date(2023, 7, 1)),   # before the period; active at its end
    ]
    for match, ref, region, on, closed in matches:
        facts.matches[match] = MatchFact(match, ref, region, on, closed)
    facts.approvals = {
        "v1": Approval("v1", "hovedstaden", date(2022, 1, 10)),
        "v2": Approval("v2", "syddanmark", date(2021, 12, 31)),  # before the period
        "v3": Approval("v3", "syddanmark", date(2023, 6, 15)),   # on the last day: counts
    }
    return facts


def test_the_figures_of_a_small_programme():
    report = summary(_facts(), FROM, TO)
    assert report["period"] == {"from": "2022-01-01", "to": "2023-06-15"}
    assert report["matches_established"] == 4           # m1..m4; m5 was matched before
    assert report["matches_active"] == 3                # m1, m3, m5 (closed after `to`)
    assert report["volunteers_recruited"] == 2          # v1, v3
    people = report["participants"]
    assert people["n"] == 4
    assert people["gender_pct"] == {"female": 75.0, "male": 25.0}      # 3 of 4, 1 of 4
    assert people["top_countries"][0] == {"country": "SY", "count": 2, "pct": 50.0}
    assert [c["country"] for c in people["top_countries"]] == ["SY", "AF", "IQ"]
    # ages at matched_on by birth year: 2022-1980=42, 2022-1975=47, 2023-1990=33, 2022-1960=62
    assert people["age_band_pct"] == {"18-29": 0.0, "30-39": 25.0, "40-49": 50.0, "50-59": 0.0, "60+": 25.0}
    assert people["arrived_2014_or_earlier_pct"] == 75.0                # 2014, 2010, 2001
    # eligible: m1 (mark 2022-09-01), m2 (2022-12-10), m4 (2023-02-28); successful: m1, m4
    assert report["six_month"] == {"eligible": 3, "successful": 2, "rate_pct": 66.7}


def test_breakdowns_by_region_and_by_site():
    report = summary(_facts(), FROM, TO)
    assert report["by_region"]["syddanmark"]["matches_established"] == 1
    assert report["by_region"]["syddanmark"]["volunteers_recruited"] == 1
    assert report["by_region"]["hovedstaden"]["six_month"]["eligible"] == 2
    assert report["by_site"]["CTP"]["matches_established"] == 2
    assert report["by_site"]["ATT_VEJLE"]["matches_active"] == 1


def test_a_region_filter_narrows_everything():
    report = summary(_facts(), FROM, TO, region="syddanmark")
    assert report["matches_established"] == 1 and report["volunteers_recruited"] == 1
    assert list(report["by_region"]) == ["syddanmark"]
    assert set(report["by_site"]) == {"ATT_VEJLE"}


def test_six_month_mark_is_calendar_months_clamped_to_month_end():
    assert six_month_mark(date(2022, 8, 31)) == date(2023, 2, 28)
    assert six_month_mark(date(2023, 1, 15)) == date(2023, 7, 15)


def test_percentages_round_half_up_to_one_decimal():
    assert pct(1, 8) == 12.5 and pct(1, 16) == 6.3 and pct(2, 3) == 66.7 and pct(0, 0) is None


def test_suppression_hides_small_counts_and_what_is_built_on_them():
    report = suppress(summary(_facts(), FROM, TO), 3)
    assert report["matches_established"] == 4 and report["volunteers_recruited"] == "<3"
    # male (1) is small; female (3) is hidden too, or n − female would give male away
    assert report["participants"]["gender_pct"] == {"female": "<3", "male": "<3"}
    assert report["participants"]["n"] == 4
    assert report["participants"]["top_countries"][0]["pct"] == "<3"   # SY: 2 people
    assert report["six_month"] == {"eligible": 3, "successful": "<3", "rate_pct": "<3"}
    assert report["by_region"]["syddanmark"]["participants"]["n"] == "<3"


def test_csv_has_one_row_per_figure():
    lines = to_csv(summary(_facts(), FROM, TO)).splitlines()
    assert lines[0] == "scope,figure,key,value"
    assert "all,matches_established,,4" in lines
    assert "all,participants.gender_pct,female,75.0" in lines
    assert "region:syddanmark,six_month,eligible,1" in lines
