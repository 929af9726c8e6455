"""Reports that cannot identify: suppression, its complements, and the subtractions they defeat."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from services.followup.reporting.csv_output import scoped
from services.followup.reporting.disclosure_control import determined, protect
from services.followup.reporting.figures_from_fold import summary
from services.followup.reporting.fold import Approval, FoldedFacts, MatchFact, ParticipantFact

JAN1, JAN30, JAN31 = date(2023, 1, 1), date(2023, 1, 30), date(2023, 1, 31)
SITES = {"hovedstaden": ("CTP", "OASIS", "DIGNITY"), "syddanmark": ("ATT_VEJLE", "ATT_ODENSE")}


def programme(days: dict[date, int], small_region_on: date | None = None) -> FoldedFacts:
    """``days[d]`` matches on day d, mostly in hovedstaden; one in syddanmark on ``small_region_on``."""
    facts = FoldedFacts()
    n = 0
    for day, count in sorted(days.items()):
        for _ in range(count):
            region = "syddanmark" if day == small_region_on and n % 7 == 0 else "hovedstaden"
            site = SITES[region][n % len(SITES[region])]
            ref = f"r{n}"
            facts.participants[ref] = ParticipantFact(ref, site, region, ("female", "male")[n % 3 == 0],
                                                  1960 + n % 40, ("SY", "AF", "IQ", "ER", "SO", "UA")[n % 6],
                                                  2010 + n % 8)
            facts.matches[f"m{n}"] = MatchFact(f"m{n}", ref, region, day)
            facts.approvals[f"v{n}"] = Approval(f"v{n}", region, day)
            n += 1
    return facts


def counts(report: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    """Every count of a report by (scope, figure, key)."""
    found: dict[tuple[str, ...], Any] = {}
    for scope, figures in scoped(report):
        for key in ("matches_established", "matches_active", "volunteers_recruited"):
            if key in figures:
                found[(scope, key)] = figures[key]
        people, six = figures["participants"], figures["six_month"]
        found[(scope, "n")] = people["n"]
        found[(scope, "arrived")] = people["arrived_2014_or_earlier_n"]
        found |= {(scope, "gender", k): v for k, v in people["gender_n"].items()}
        found |= {(scope, "age", k): v for k, v in people["age_band_n"].items()}
        found |= {(scope, "country", c["country"]): c["count"] for c in people["top_countries"]}
        found |= {(scope, "six", k): six[k] for k in ("eligible", "successful")}
    return found


def numbers(report: dict[str, Any]) -> list[Any]:
    """Every number a report shows, percentages included."""
    out: list[Any] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key not in ("period", "as_of", "region", "suppressed_below", "rounded_to"):
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(value)
    walk(report)
    return out


def subtract(report: dict[str, Any]) -> dict[tuple[str, ...], int]:
    """The classic attack: wherever a sum has one unknown, work it out, until nothing changes."""
    known = {cell: v for cell, v in counts(report).items() if isinstance(v, int)}
    scopes = [s for s, _ in scoped(report)]
    keys = {cell[1:] for cell in counts(report)}
    sums = [[("all", *k)] + [(s, *k) for s in scopes if s.startswith(prefix)]
            for k in keys for prefix in ("region:", "site:")]
    sums += [[(s, "n"), *[c for c in counts(report) if c[0] == s and c[1] == group]]
             for s in scopes for group in ("gender", "age")]
    recovered: dict[tuple[str, ...], int] = {}
    changed = True
    while changed:
        changed = False
        for total, *parts in sums:
            present = [p for p in parts if p in counts(report)]
            unknown = [c for c in (total, *present) if c not in known]
            if len(unknown) == 1 and present:
                cell = unknown[0]
                value = (known[total] - sum(known[p] for p in present if p != cell)) if cell != total \
                    else sum(known[p] for p in present)
                known[cell] = recovered[cell] = value
                changed = True
    return recovered


def test_a_consultants_report_for_one_day_with_one_match_shows_no_cell_under_5() -> None:
    report = protect(summary(programme({JAN31: 1}), JAN31, JAN31), 5, 5)
    assert report["matches_established"] == "<5" and report["participants"]["n"] == "<5"
    assert all(value >= 5 for value in numbers(report)), numbers(report)
    assert report["participants"]["gender_pct"] == {"male": "<5"}


def test_a_small_region_cannot_be_had_by_subtracting_the_others_from_the_total() -> None:
    raw = summary(programme({JAN1: 20, JAN31: 3}, small_region_on=JAN1), JAN1, JAN31)
    assert raw["by_region"]["syddanmark"]["matches_established"] == 3 and raw["matches_established"] == 23
    report = protect(raw, 5)
    assert report["by_region"]["syddanmark"]["matches_established"] == "<5"
    assert report["matches_established"] == 23  # the total stays; a complement goes instead
    assert report["by_region"]["hovedstaden"]["matches_established"] == "<5" or \
        report["by_site"] != {}  # hidden somewhere so that no sum gives syddanmark away
    recovered = subtract(report)
    truth = counts(raw)
    assert not {cell: v for cell, v in recovered.items() if truth[cell] < 5}, recovered


def test_a_small_site_cannot_be_had_from_its_region_or_the_total() -> None:
    raw = summary(programme({JAN1: 12}), JAN1, JAN31)
    sites = {name: figures["matches_established"] for name, figures in raw["by_site"].items()}
    assert sites == {"CTP": 4, "DIGNITY": 4, "OASIS": 4} or min(sites.values()) < 5
    report = protect(raw, 5)
    truth = counts(raw)
    assert not {c: v for c, v in subtract(report).items() if truth[c] < 5}
    assert all(report["by_site"][s]["matches_established"] == "<5" for s, v in sites.items() if v < 5)


def test_sums_are_solved_together_not_one_subtraction_at_a_time() -> None:
    # x + y = 7, y + z = 9, x + z = 8: two unknowns in every sum, yet x = 3.
    x, y, z, a, b, c = (("s", name) for name in "xyzabc")
    relations = [(a, [x, y]), (b, [y, z]), (c, [x, z])]
    assert determined({x, y, z}, relations) == {x, y, z}
    assert determined({x, y, z, a}, relations) == set()


def test_two_periods_a_day_apart_cannot_be_subtracted_to_reveal_the_day() -> None:
    facts = programme({**{JAN1 + timedelta(days=d): 1 for d in range(22)}, JAN31: 1})
    month, but_the_last_day = (protect(summary(facts, JAN1, to), 5, 5) for to in (JAN31, JAN30))
    day = summary(facts, JAN31, JAN31)
    assert day["matches_established"] == 1
    for cell, value in counts(month).items():
        other = counts(but_the_last_day).get(cell)
        if isinstance(value, int) and isinstance(other, int):
            assert (value - other) % 5 == 0, cell  # a multiple of 5: never the day's 1
    # 23 and 22 matches: published as 25 and 20, whose difference says nothing of the day's one.
    assert (month["matches_established"], but_the_last_day["matches_established"]) == (25, 20)


def test_two_as_of_moments_cannot_be_subtracted_to_reveal_what_was_learned_between() -> None:
    before = programme({JAN1: 22})
    after = programme({JAN1: 22, JAN30: 1})  # one match more learned by the later moment
    early, late = (protect(summary(f, JAN1, JAN31), 5, 5) for f in (before, after))
    for cell, value in counts(late).items():
        other = counts(early).get(cell)
        if isinstance(value, int) and isinstance(other, int):
            assert (value - other) % 5 == 0, cell
    assert (early["matches_established"], late["matches_established"]) == (20, 25)  # 22 and 23


def test_percentages_follow_the_published_counts_so_they_give_back_no_more() -> None:
    report = protect(summary(programme({JAN1: 23}), JAN1, JAN31), 5, 5)
    people = report["participants"]
    assert people["n"] == 25 and report["rounded_to"] == 5
    for gender, count in people["gender_n"].items():
        expected = "<5" if count == "<5" else round(count * 100 / 25, 1)
        assert people["gender_pct"][gender] == expected


def test_a_cell_at_the_threshold_is_shown() -> None:
    report = protect(summary(programme({JAN1: 10}), JAN1, JAN31), 5)
    assert report["matches_established"] == 10 and report["suppressed_below"] == 5
