"""The matching service's handlers on a real database (SQLite and PostgreSQL).

Candidates read through the SQL shortcut rank exactly as the pure function
ranks the whole pool; a closure that allows a rematch puts the participant
back on the waiting list and keeps the pair apart; and two consultants
matching at the same moment, in real OS threads, get one success and one 409.
"""
from __future__ import annotations

import uuid
from datetime import date

import eventlet
import pytest
from sqlalchemy import update

from services.matching import handlers, pool, ranking
from services.matching.projection import PROJECTION, referrals
from services.matching.repository import SqlMatching
from services.matching.weights import current as current_weights
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.envelope import Event, new_event_id, utcnow
from shared.errors import Conflict, RuleViolated
from shared.eventstore import metadata as store_metadata
from shared.stored_work import StoredStore, work
from shared.unit_of_work import ServiceDatabase
from tests.support import events as ev
from tests.support import postgres
from tests.support.projections import rows

real_threading = eventlet.patcher.original("threading")
ON = date(2023, 6, 1)


def consume(db: ServiceDatabase, event_type: str, payload: dict) -> None:
    payload = REGISTRY.validate(event_type, 1, payload, strict=False)
    with db.transaction() as uow:
        uow.consume(Event(new_event_id(), event_type, 1, utcnow(), "test", payload))


def referral(db: ServiceDatabase, **overrides) -> str:
    referral_id = str(uuid.uuid4())
    consume(db, "referral_received", {**ev.referral_payload(**overrides), "referral_id": referral_id,
                                      "region": "hovedstaden"})
    return referral_id


def volunteer(db: ServiceDatabase, trained_on: str = "2023-05-02", **overrides) -> str:
    with work(db, SqlMatching) as uow:
        volunteer_id = handlers.register_volunteer(uow, {**ev.volunteer_body(), **overrides})
        handlers.screen_volunteer(uow, volunteer_id, {"outcome": "approved", "screened_on": "2023-01-20"})
        handlers.train_volunteer(uow, volunteer_id, {"completed_on": trained_on})
    return volunteer_id


def match(db: ServiceDatabase, referral_id: str, volunteer_id: str, **extra) -> str:
    with work(db, SqlMatching) as uow:
        return handlers.match_participant(uow, {"referral_id": referral_id, "volunteer_id": volunteer_id,
                                                "matched_on": "2023-02-01", **extra})


def close(db: ServiceDatabase, match_id: str, referral_id: str, volunteer_id: str, reason: str) -> None:
    consume(db, "closed", {"match_id": match_id, "referral_id": referral_id, "volunteer_id": volunteer_id,
                           "closed_on": "2023-05-01", "initiator": "consultant", "reason": reason})


class MatchingStoreContract:
    @pytest.fixture
    def db(self, url):
        database = ServiceDatabase("matching", make_engine(url), PROJECTION, REGISTRY)
        database.create_tables()
        yield database
        database.engine.dispose()

    def test_the_sql_shortcut_ranks_as_the_pure_function_ranks_the_whole_pool(self, db):
        referral_id = referral(db)
        for n, (region, gender, languages) in enumerate([
                ("hovedstaden", "female", ["da", "ar"]), ("hovedstaden", "male", ["ar"]),
                ("syddanmark", "female", ["ar"]), ("hovedstaden", "female", ["fa"]),
                ("hovedstaden", "female", ["da"])]):
            volunteer(db, trained_on=f"2023-05-0{n + 1}", region=region, gender=gender, languages=languages)
        with work(db, SqlMatching) as uow:
            handlers.register_volunteer(uow, ev.volunteer_body())  # registered only: not available
        weights = current_weights()

        with db.reading() as conn:
            shortcut = handlers.rank_candidates(SqlMatching(conn), referral_id, ON, weights)
            whole = ranking.rank(pool.participant(conn, referral_id), pool.all_profiles(conn), {}, weights, ON)

        assert shortcut.candidates == whole.candidates and len(whole.candidates) == 3
        assert shortcut.excluded == whole.excluded == {
            "region": 1, "capacity": 1, "gender_preference": 1, "earlier_mismatch": 0, "earlier_match": 0}

    def test_a_mismatch_puts_the_participant_back_on_the_list_and_the_pair_apart(self, db):
        referral_id = referral(db)
        first, second = volunteer(db), volunteer(db)
        match_id = match(db, referral_id, first)

        close(db, match_id, referral_id, first, "mismatch")

        assert [r["status"] for r in rows(str(db.engine.url), "referrals")] == ["waiting"]
        with db.reading() as conn:
            ranked = handlers.rank_candidates(SqlMatching(conn), referral_id, ON, current_weights())
        assert [c.volunteer_id for c in ranked.candidates] == [second]
        assert ranked.excluded["earlier_mismatch"] == 1
        with pytest.raises(RuleViolated, match="mismatch"):
            match(db, referral_id, first)
        assert match(db, referral_id, second)

    def test_a_completed_relationship_closes_the_referral(self, db):
        referral_id, volunteer_id = referral(db), volunteer(db)
        match_id = match(db, referral_id, volunteer_id)

        close(db, match_id, referral_id, volunteer_id, "commitment_completed")

        assert [r["status"] for r in rows(str(db.engine.url), "referrals")] == ["closed"]

    def test_a_match_keeps_days_from_referral_and_the_chosen_rank(self, db):
        referral_id = referral(db, referred_on="2023-01-15")
        volunteer(db, trained_on="2023-05-20")
        chosen = volunteer(db, trained_on="2023-05-25")  # waited less: second
        answer = handlers.propose_candidates(StoredStore(db, SqlMatching), referral_id, 10, ON, current_weights(), None)
        assert [item["volunteer_id"] for item in answer["items"]][1] == chosen

        with pytest.raises(RuleViolated, match="needs a reason"):
            match(db, referral_id, chosen, proposal_id=answer["proposal_id"])
        match(db, referral_id, chosen, proposal_id=answer["proposal_id"], reason="lives on the same street")

        [row] = rows(str(db.engine.url), "matches")
        assert (row["days_to_match"], row["rank"]) == (17, 2)
        assert "street" not in row["choice_reason"]  # free text: sealed at rest, never published
        with db.reading() as conn:
            assert db.keyring.open(conn, row["choice_reason"]) == "lives on the same street"

    def test_the_unique_index_on_active_matches_answers_conflict_not_an_error(self, db):
        referral_id, volunteer_id, other = referral(db), volunteer(db), volunteer(db)
        match(db, referral_id, volunteer_id)
        with db.engine.begin() as conn:  # a projection that lost track: the index is the last word
            conn.execute(update(referrals).values(status="waiting"))

        with pytest.raises(Conflict, match="at the same moment"):
            match(db, referral_id, other)

    def test_the_audit_query_finds_every_event_about_a_subject_and_nothing_else(self, db):
        referral_id, volunteer_id, other = referral(db), volunteer(db), volunteer(db)
        handlers.propose_candidates(StoredStore(db, SqlMatching), referral_id, 10, ON, current_weights(), None)
        match_id = match(db, referral_id, volunteer_id)
        close(db, match_id, referral_id, volunteer_id, "commitment_completed")

        with db.reading() as conn:
            about = {subject: [e.event_type for e in db.store.about(conn, subject)]
                     for subject in (match_id, volunteer_id, referral_id, other[:8])}

        assert about[match_id] == ["matched", "closed"]
        assert about[volunteer_id] == ["volunteer_registered", "volunteer_screened", "volunteer_trained",
                                       "candidates_proposed", "matched", "closed"]
        assert about[referral_id] == ["referral_received", "candidates_proposed", "matched", "closed"]
        assert about[other[:8]] == []  # a mere prefix of an id names nothing

    @pytest.mark.parametrize("same", ["volunteer", "participant"])
    def test_two_consultants_matching_at_the_same_moment_one_wins(self, db, same):
        referrals = [referral(db, preferences={"volunteer_gender": "any"}) for _ in range(2)]
        volunteers = [volunteer(db) for _ in range(2)]
        pairs = ([(referrals[0], volunteers[0]), (referrals[1], volunteers[0])] if same == "volunteer"
                 else [(referrals[0], volunteers[0]), (referrals[0], volunteers[1])])
        start, outcomes = real_threading.Barrier(len(pairs)), []

        def attempt(referral_id: str, volunteer_id: str) -> None:
            start.wait()
            try:
                outcomes.append(("ok", match(db, referral_id, volunteer_id)))
            except Conflict as exc:
                outcomes.append(("conflict", exc.message))

        threads = [real_threading.Thread(target=attempt, args=pair) for pair in pairs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert sorted(kind for kind, _ in outcomes) == ["conflict", "ok"], outcomes
        assert len([r for r in rows(str(db.engine.url), "matches") if r["status"] == "active"]) == 1


class TestMatchingOnSQLite(MatchingStoreContract):
    @pytest.fixture
    def url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'matching.db'}"


@pytest.mark.postgres
class TestMatchingOnPostgreSQL(MatchingStoreContract):
    @pytest.fixture
    def url(self, postgres_url):
        return postgres.emptied(postgres_url, PROJECTION.metadata, store_metadata)
