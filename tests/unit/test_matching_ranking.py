"""Candidate ranking over a 32-volunteer pool, every ranking and score worked out by hand.

Weights (as in weights.json): shared language other than Danish 3.0 (once), Danish
practice 1.5 (participant needs ``language``, volunteer speaks da), 2.0 per need met by a
strength, same municipality 2.0 else same region 0.5, fairness 0.01 per day waited
(since training or the latest match start), at most 365 days. Ranking date 2023-06-01.
Days to 2023-06-01: from 05-02 = 30, 05-22 = 10, 05-27 = 5, 03-03 = 90, 03-13 = 80,
04-02 = 60, 2022-06-01 = 365, 2021-01-01 = 881 (capped at 365).
"""
from __future__ import annotations

from datetime import date

import pytest

from services.matching import ranking
from services.matching.ranking import Participant, Profile
from services.matching.weights import Weights

W = Weights(version="test-1", shared_language=3.0, danish_practice=1.5, need_strength=2.0,
            same_municipality=2.0, same_region=0.5, fairness_per_day=0.01, fairness_max_days=365)
ON = date(2023, 6, 1)
D30, D10, D5, D90, D80, D60 = (date(2023, 5, 2), date(2023, 5, 22), date(2023, 5, 27),
                               date(2023, 3, 3), date(2023, 3, 13), date(2023, 4, 2))


def vol(vid: str, region: str, municipality: str, gender: str, languages: tuple[str, ...] = ("da",),
        strengths: tuple[str, ...] = (), status: str = "available", trained_on: date | None = D30,
        last_matched_on: date | None = None) -> Profile:
    return Profile(vid, status, region, municipality, gender, frozenset(languages),
                   frozenset(strengths), trained_on, last_matched_on)


H, S, J = "hovedstaden", "syddanmark", "sjaelland"
POOL = [
    vol("h01", H, "København", "female", ("da", "ar"), ("network",)),
    vol("h02", H, "København", "female", ("ar",), ("network", "language"), trained_on=D90),
    vol("h03", H, "Frederiksberg", "female", ("da",), ("everyday_advice",), trained_on=date(2022, 6, 1)),
    vol("h04", H, "København", "female", ("da", "fa"), (), trained_on=date(2021, 1, 1)),
    vol("h05", H, "København", "male", ("da", "ar"), ("network", "language")),
    vol("h06", H, "København", "female", ("da", "ar"), ("network",), status="full"),
    vol("h07", H, "København", "female", ("da", "ar"), ("network",), status="approved", trained_on=None),
    vol("h08", H, "København", "female", status="registered", trained_on=None),
    vol("h09", H, "København", "female", status="rejected", trained_on=None),
    vol("h10", H, "København", "female", ("da", "ar"), ("network",), trained_on=date(2023, 1, 1),
        last_matched_on=D10),
    vol("h11", H, "København", "other", ("da", "ar"), ("network",)),
    vol("h12", H, "Gladsaxe", "female", ("fa", "da"), ("everyday_advice",)),
    vol("h13", H, "Gladsaxe", "male", ("fa",), ("everyday_advice",), trained_on=D5),
    vol("h14", H, "københavn", "female", ("da",), ("language",), trained_on=ON),
    vol("h15", H, "Helsingør", "female", ("en",), ("network",)),
    vol("h16", H, "Gladsaxe", "male", ("fa",), ("everyday_advice",), status="full"),
    vol("h17", H, "København", "female", ("da", "ar"), ("network",)),
    vol("h18", H, "Gladsaxe", "male", ("fa",), ("everyday_advice",)),
    vol("s01", S, "Odense", "male", ("so", "da"), ("language", "everyday_advice", "network")),
    vol("s02", S, "Vejle", "male", ("da",), ("language",), trained_on=D90),
    vol("s03", S, "Odense", "female", ("so", "da"), ("language", "everyday_advice", "network")),
    vol("s04", S, "Odense", "male", ("so", "da"), ("language",), status="full"),
    vol("s05", S, "Odense", "male", ("so",), (), trained_on=D10),
    vol("s06", S, "Haderslev", "male", ("ar", "da"), ("network",), trained_on=date(2022, 1, 1),
        last_matched_on=D60),
    vol("s07", S, "Odense", "male", ("so", "da"), ("language",), status="approved", trained_on=None),
    vol("s08", S, "Vejle", "female", ("da",), ("language",)),
    vol("j01", J, "Roskilde", "female", ("da",), ("network",)),
    vol("j02", J, "Roskilde", "male", ("da",), ("network",), trained_on=D10),
    vol("j03", J, "Køge", "female", ("da",), ("network",)),
    vol("j04", J, "Roskilde", "male", ("da",), (), trained_on=D90),
    vol("j05", J, "Roskilde", "female", ("da", "ar"), ("everyday_advice",), status="full"),
    vol("j06", J, "Roskilde", "female", ("da",), (), trained_on=D80),
]

R1 = Participant("r1", H, "København", frozenset({"ar", "da"}), ("network", "language"), "female")
R2 = Participant("r2", H, "Gladsaxe", frozenset({"fa"}), ("everyday_advice",), "any")
R2_EARLIER = {"h17": "mismatch", "h18": "volunteer_withdrew"}
R3 = Participant("r3", S, "Odense", frozenset({"so", "da"}), ("language", "everyday_advice", "network"), "male")
R4 = Participant("r4", J, "Roskilde", frozenset({"da"}), ("network",), "any")

FIRST_30 = "waiting 30 days for a first match"


def ranked(participant: Participant, earlier: dict[str, str] | None = None) -> ranking.Ranking:
    return ranking.rank(participant, POOL, earlier or {}, W, ON)


def test_the_pool_has_at_least_thirty_volunteers() -> None:
    assert len(POOL) == 32 and len({v.volunteer_id for v in POOL}) == 32


def test_r1_arabic_speaker_needing_network_and_danish_practice() -> None:
    result = ranked(R1)

    assert [(c.volunteer_id, c.rank, c.score, list(c.reasons)) for c in result.candidates] == [
        # 3 (ar) + 2 (network) + 2 (language) + 2 (same municipality) + 0.90 (90 days); no da
        ("h02", 1, 9.9, ["speaks Arabic", "strength: network", "strength: language", "same municipality",
                         "waiting 90 days for a first match"]),
        # 3 (ar) + 1.5 (Danish practice) + 2 (network) + 2 (municipality) + 0.30
        ("h01", 2, 8.8, ["speaks Arabic", "Danish practice: speaks Danish", "strength: network",
                         "same municipality", FIRST_30]),
        # the same as h01 to the day: the id breaks the tie
        ("h17", 3, 8.8, ["speaks Arabic", "Danish practice: speaks Danish", "strength: network",
                         "same municipality", FIRST_30]),
        # 3 + 1.5 + 2 + 2 + 0.10: trained long ago, but its latest match began 10 days ago
        ("h10", 4, 8.6, ["speaks Arabic", "Danish practice: speaks Danish", "strength: network",
                         "same municipality", "waiting 10 days for a next match"]),
        # 1.5 + 2 (municipality) + 3.65 (881 days, capped at 365)
        ("h04", 5, 7.15, ["Danish practice: speaks Danish", "same municipality",
                          "waiting 881 days for a first match"]),
        # 1.5 + 0.5 (Frederiksberg: same region only) + 3.65 (365 days)
        ("h03", 6, 5.65, ["Danish practice: speaks Danish", "same region, other municipality",
                          "waiting 365 days for a first match"]),
        # 1.5 + 2 (language) + 2 ("københavn" is København) + 0 (trained today: no fairness reason)
        ("h14", 7, 5.5, ["Danish practice: speaks Danish", "strength: language", "same municipality"]),
        # 2 (network) + 0.5 + 0.30; speaks English only: no Danish practice
        ("h15", 8, 2.8, ["strength: network", "same region, other municipality", FIRST_30]),
        # 1.5 + 0.5 + 0.30
        ("h12", 9, 2.3, ["Danish practice: speaks Danish", "same region, other municipality", FIRST_30]),
    ]


def test_r1_constraints_remove_exactly_the_right_volunteers() -> None:
    result = ranked(R1)

    assert result.removed == {
        "region": ("s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08",
                   "j01", "j02", "j03", "j04", "j05", "j06"),
        # full, approved but untrained, registered, rejected, full
        "capacity": ("h06", "h07", "h08", "h09", "h16"),
        # she asked for a female volunteer
        "gender_preference": ("h05", "h11", "h13", "h18"),
        "earlier_mismatch": (), "earlier_match": (),
    }
    assert result.excluded == {"region": 14, "capacity": 5, "gender_preference": 4,
                               "earlier_mismatch": 0, "earlier_match": 0}


def test_r2_persian_speaker_with_earlier_matches_and_no_gender_preference() -> None:
    result = ranked(R2, R2_EARLIER)

    assert [(c.volunteer_id, c.score) for c in result.candidates] == [
        ("h12", 7.3),   # 3 (fa) + 2 (everyday advice) + 2 (Gladsaxe) + 0.30
        ("h04", 7.15),  # 3 (fa) + 0.5 + 3.65
        ("h13", 7.05),  # 3 (fa) + 2 + 2 + 0.05 (5 days)
        ("h03", 6.15),  # 2 (everyday advice) + 0.5 + 3.65
        ("h02", 1.4),   # 0.5 + 0.90
        ("h01", 0.8), ("h05", 0.8), ("h11", 0.8), ("h15", 0.8),  # 0.5 + 0.30 each, 30 days each: by id
        ("h10", 0.6),   # 0.5 + 0.10
        ("h14", 0.5),   # 0.5 ("københavn" is not Gladsaxe), no days
    ]
    assert result.candidates[0].reasons == ("speaks Persian", "strength: everyday advice", "same municipality",
                                            FIRST_30)
    assert result.removed["earlier_mismatch"] == ("h17",)
    assert result.removed["earlier_match"] == ("h18",)
    assert result.removed["gender_preference"] == ()
    assert result.excluded == {"region": 14, "capacity": 5, "gender_preference": 0,
                               "earlier_mismatch": 1, "earlier_match": 1}


def test_r3_somali_speaker_who_asked_for_a_male_volunteer() -> None:
    result = ranked(R3)

    assert [(c.volunteer_id, c.score, list(c.reasons)) for c in result.candidates] == [
        # 3 (so) + 1.5 + 2 + 2 + 2 (all three needs) + 2 (Odense) + 0.30
        ("s01", 12.8, ["speaks Somali", "Danish practice: speaks Danish", "strength: language",
                       "strength: everyday advice", "strength: network", "same municipality", FIRST_30]),
        # 3 (so) + 2 (Odense) + 0.10; no Danish
        ("s05", 5.1, ["speaks Somali", "same municipality", "waiting 10 days for a first match"]),
        # 1.5 + 2 (language) + 0.5 (Vejle) + 0.90
        ("s02", 4.9, ["Danish practice: speaks Danish", "strength: language", "same region, other municipality",
                      "waiting 90 days for a first match"]),
        # 1.5 + 2 (network) + 0.5 (Haderslev) + 0.60 (latest match began 60 days ago); Arabic is not shared
        ("s06", 4.6, ["Danish practice: speaks Danish", "strength: network", "same region, other municipality",
                      "waiting 60 days for a next match"]),
    ]
    assert result.removed["capacity"] == ("s04", "s07")
    assert result.removed["gender_preference"] == ("s03", "s08")
    assert len(result.removed["region"]) == 24


def test_r4_equal_scores_go_to_whoever_waited_longer() -> None:
    result = ranked(R4)

    assert [(c.volunteer_id, c.score, c.waited_days) for c in result.candidates] == [
        ("j01", 4.3, 30),   # 2 (network) + 2 (Roskilde) + 0.30
        ("j02", 4.1, 10),   # 2 + 2 + 0.10
        ("j04", 2.9, 90),   # 2 + 0.90
        ("j06", 2.8, 80),   # 2 + 0.80: ties with j03 and waited longer, so ahead despite its id
        ("j03", 2.8, 30),   # 2 (network) + 0.5 (Køge) + 0.30
    ]
    assert result.removed["capacity"] == ("j05",)
    assert result.excluded["region"] == 26


def test_a_volunteer_failing_several_constraints_is_counted_once_under_the_first() -> None:
    # h16 is full, male and an earlier mismatch: counted under capacity only.
    result = ranked(R1, {"h16": "mismatch"})

    assert "h16" in result.removed["capacity"]
    assert result.excluded["earlier_mismatch"] == 0
    assert sum(result.excluded.values()) + len(result.candidates) == len(POOL)


def test_counts_left_out_before_ranking_are_added_under_their_constraint() -> None:
    in_region = [v for v in POOL if v.region == H and v.status == "available"]

    shortcut = ranking.rank(R1, in_region, {}, W, ON, {"region": 14, "capacity": 5})

    assert shortcut.candidates == ranked(R1).candidates
    assert shortcut.excluded == ranked(R1).excluded


def test_fairness_is_capped_and_never_negative() -> None:
    long_ago = vol("x", H, "København", "female", trained_on=date(2000, 1, 1))
    future = long_ago._replace(trained_on=date(2023, 7, 1))

    assert ranking.waited_days(future, ON) == 0
    assert ranking.fit(R4, long_ago._replace(region=J), W, ON).points == pytest.approx(0.5 + 3.65)


def test_a_limit_keeps_the_best_and_counts_every_eligible_volunteer() -> None:
    top = ranking.rank(R2, POOL, R2_EARLIER, W, ON, limit=3)

    assert top.candidates == ranked(R2, R2_EARLIER).candidates[:3]
    assert top.eligible == 11


def test_ranking_depends_only_on_its_inputs() -> None:
    assert ranked(R2, R2_EARLIER) == ranked(R2, R2_EARLIER)
    assert ranking.rank(R2, list(reversed(POOL)), R2_EARLIER, W, ON).candidates == \
        ranked(R2, R2_EARLIER).candidates
