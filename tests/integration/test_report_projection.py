"""The report projection gives exactly the fold's figures, for any history and any moment (the fold is the oracle).

The events are learned over many months (the store's clock is the test's), so a
summary reads whole months from the count rows, edge days and the partial month
of ``as_of`` from the fact rows, and each is compared with the fold.
"""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import select

from cli.services import schemas, upgrade
from services.followup.projection import PROJECTION, metadata
from services.followup.reporting import figures_from_fold as reports
from services.followup.reporting import summary as reporting
from services.followup.reporting.fold import fold
from services.followup.standing import six_month_mark
from shared import eventstore, migrations, replay
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.envelope import Event
from shared.eventstore import metadata as store_metadata
from shared.unit_of_work import ServiceDatabase
from shared.verify import verify
from tests.support.events import participant, referral_payload
from tests.support.postgres import emptied

COUNTRIES = ("SY", "AF", "IQ", "ER", "SO", "IR", "UA")
REGIONS = ("hovedstaden", "syddanmark", "midtjylland")
SITES = {"CTP": "hovedstaden", "OASIS": "hovedstaden", "ATT_VEJLE": "syddanmark"}
PERIODS = [(date(2022, 1, 1), date(2022, 12, 31)), (date(2022, 6, 1), date(2023, 8, 31)),
           (date(2021, 1, 1), date(2024, 12, 31)), (date(2022, 3, 15), date(2022, 3, 15)),
           # edges inside months; ends whose eligible day ends a month (Feb 28 → Aug 31) or does not
           (date(2021, 7, 16), date(2023, 2, 28)), (date(2022, 2, 1), date(2022, 8, 30)),
           (date(2022, 1, 31), date(2022, 3, 1)), (date(2021, 9, 2), date(2022, 9, 29))]
START = datetime(2021, 6, 3, 9, 0, tzinfo=timezone.utc)


class Clock:
    """The store's clock: each event learned from a few seconds to three weeks after the one before."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.now = rng, START

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> datetime:
        self.now += self.rng.choice([timedelta(0), timedelta(seconds=5), timedelta(hours=7),
                                     timedelta(days=self.rng.randint(1, 21))])
        return self.now


def _moments(rng: random.Random, learned: list[datetime]) -> list[datetime | None]:
    """Now, moments events were learned (a row learned then is known then), just before them,
    month starts and moments inside a month."""
    starts = sorted({datetime(m.year, m.month, 1, tzinfo=timezone.utc) for m in learned})
    picked = rng.sample(learned, 3)
    return [None, *picked, *(m - timedelta(microseconds=1) for m in picked[:2]), *rng.sample(starts, 2),
            learned[len(learned) // 2] + timedelta(days=2, hours=3), START - timedelta(days=1)]


def _history(rng: random.Random, size: int) -> list[tuple[str, dict]]:
    """Events in an order the bus may deliver them: matches before their participant, closures of
    unknown matches, rematches, re-screenings and rejections, a volunteer moving region."""
    referrals = [str(uuid.uuid4()) for _ in range(max(3, size // 4))]
    volunteers = [str(uuid.uuid4()) for _ in range(max(2, size // 6))]
    matches: list[tuple[str, str, str, date]] = []
    history: list[tuple[str, dict]] = []
    for _ in range(size):
        roll, day = rng.random(), date(2021, 6, 1) + timedelta(days=rng.randint(0, 900))
        if roll < 0.25:
            site = rng.choice(sorted(SITES))
            person = participant(gender=rng.choice(["female", "male"]), birth_year=rng.randint(1940, 2004),
                                 country_of_birth=rng.choice(COUNTRIES), arrival_year=rng.randint(2005, 2020))
            history.append(("referral_received", {**referral_payload(site=site, participant=person),
                                                  "referral_id": rng.choice(referrals), "region": SITES[site]}))
        elif roll < 0.5:
            mid, rid, vid = str(uuid.uuid4()), rng.choice(referrals), rng.choice(volunteers)
            matches.append((mid, rid, vid, day))
            history.append(("matched", {"match_id": mid, "referral_id": rid, "volunteer_id": vid,
                                        "region": rng.choice(REGIONS), "matched_on": day.isoformat()}))
        elif roll < 0.7:
            unknown = (str(uuid.uuid4()),) * 3 + (day,)
            mid, rid, vid, on = rng.choice(matches) if matches and rng.random() < 0.9 else unknown
            if rng.random() < 0.3:  # on the six-month mark, or the day before it
                day = six_month_mark(on) - timedelta(days=rng.randint(0, 1))
            history.append(("closed", {"match_id": mid, "referral_id": rid, "volunteer_id": vid,
                                       "closed_on": day.isoformat(), "initiator": "participant",
                                       "reason": rng.choice(["goals_reached", "mismatch"])}))
        elif roll < 0.85:
            history.append(("volunteer_registered", {
                "volunteer_id": rng.choice(volunteers), "gender": "female", "birth_year": 1980, "languages": ["da"],
                "municipality": "X", "region": rng.choice(REGIONS), "strengths": [], "capacity": 2}))
        else:
            history.append(("volunteer_screened", {"volunteer_id": rng.choice(volunteers),
                                                   "outcome": rng.choice(["approved", "approved", "rejected"]),
                                                   "screened_on": day.isoformat()}))
    return history


def _consume(db: ServiceDatabase, event_type: str, payload: dict) -> None:
    event = Event(str(uuid.uuid4()), event_type, 1, datetime.now(timezone.utc), "test",
                  REGISTRY.validate(event_type, 1, payload, strict=False), actor={"kind": "system", "id": "t"})
    with db.transaction(cause=event) as uow:
        uow.consume(event)


def _oracle(db: ServiceDatabase, params: dict, as_of) -> dict:
    with db.reading() as conn:
        facts = fold(db.registry.upcast(e) for _seq, e in db.store.read_all(conn, until=as_of))
    report = reports.summary(facts, date.fromisoformat(params["from"]), date.fromisoformat(params["to"]),
                             params.get("region"), params.get("regions"))
    report["as_of"] = as_of.isoformat() if as_of else None
    return report


@pytest.mark.parametrize("seed", range(6))
def test_figures_equal_the_folds_at_every_moment(tmp_path, seed, monkeypatch):
    rng = random.Random(seed)
    clock = Clock(rng)
    monkeypatch.setattr(eventstore, "utcnow", clock)
    db = ServiceDatabase("followup", make_engine(f"sqlite:///{tmp_path / 'f.db'}"), PROJECTION, REGISTRY)
    db.create_tables()
    learned = []
    for event_type, payload in _history(rng, 60 + seed * 20):
        learned.append(clock.tick())
        _consume(db, event_type, payload)
    for as_of in _moments(rng, learned):
        for date_from, date_to in PERIODS:
            for region, regions in ((None, None), ("hovedstaden", None), (None, ["syddanmark", "midtjylland"]),
                                    ("syddanmark", ["syddanmark"]), ("midtjylland", ["hovedstaden"])):
                params = {"from": date_from.isoformat(), "to": date_to.isoformat(), "region": region,
                          "regions": regions, "as_of": as_of.isoformat() if as_of else None}
                assert reporting.summary(db, params) == _oracle(db, params, as_of), params
    # and a replay rebuilds the report's tables row for row, with the moments they were learned
    assert all(check.same for check in verify(db))
    for batch in (5000, 7):
        replay.rebuild(db, batch=batch)
        assert all(check.same for check in verify(db))
    db.engine.dispose()


def test_a_replay_on_postgresql_in_small_batches_rebuilds_the_report_tables_row_for_row(postgres_url,
                                                                                          monkeypatch):
    url = emptied(postgres_url, metadata, store_metadata)
    db = ServiceDatabase("followup", make_engine(url), PROJECTION, REGISTRY)
    db.create_tables()
    clock = Clock(random.Random(3))
    monkeypatch.setattr(eventstore, "utcnow", clock)
    for event_type, payload in _history(random.Random(3), 150):
        clock.tick()
        _consume(db, event_type, payload)
    assert all(check.same for check in verify(db))  # applied one by one, live, against a replay
    live = _report_rows(db)
    assert len(live["report_matches"]) > len({r["match_id"] for r in live["report_matches"]})  # versions
    replay.rebuild(db, batch=7)
    assert _report_rows(db) == live
    db.engine.dispose()


def _report_rows(db: ServiceDatabase) -> dict[str, list[dict]]:
    with db.reading() as conn:
        return {table.name: sorted((dict(r) for r in conn.execute(select(table)).mappings()), key=repr)
                for table in metadata.sorted_tables if table.name.startswith("report_")}


@pytest.mark.parametrize("seed", range(2))
def test_the_migration_fills_the_counts_the_appliers_keep(tmp_path, monkeypatch, seed):
    """A database of the release before (facts, no counts) migrated to head: the counts of a live run."""
    clock = Clock(random.Random(seed))
    monkeypatch.setattr(eventstore, "utcnow", clock)
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    db = ServiceDatabase("followup", engine, PROJECTION, REGISTRY)
    upgrade("followup", engine)
    for event_type, payload in _history(random.Random(seed), 150):
        clock.tick()
        _consume(db, event_type, payload)
    live = _report_rows(db)["report_counts"]
    assert len(live) > 20 and any(row["learned"] != row["month"] for row in live)
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config("followup", schemas()["followup"], conn), "0004")
    upgrade("followup", engine)
    assert _report_rows(db)["report_counts"] == live
    assert all(check.same for check in verify(db))
    db.engine.dispose()
