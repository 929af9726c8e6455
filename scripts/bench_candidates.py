"""Benchmark (not a test): rank candidates among 10,000 volunteers in a SQLite projection.

Builds the matching projection from events (10,000 volunteers registered, most
of them screened and trained, some at capacity; 20 waiting referrals across the
regions), then ranks candidates for every referral many times and prints the
p50/p95 of ranking (read the pool, apply the constraints, score, sort) and of a
whole proposal (ranking + recording ``candidates_proposed`` + the answer).
Target: p95 under 50 ms.  Run: ``make bench`` (or ``python scripts/bench_candidates.py``).
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import update

from services.matching import handlers
from services.matching.projection import PROJECTION, volunteers
from services.matching.repository import SqlMatching
from services.matching.weights import current
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.envelope import Event, new_event_id, utcnow
from shared.stored_work import StoredStore
from shared.unit_of_work import ServiceDatabase

REGIONS = {"hovedstaden": 0.35, "syddanmark": 0.25, "midtjylland": 0.2, "sjaelland": 0.1, "nordjylland": 0.1}
MUNICIPALITIES = [f"Kommune {n}" for n in range(20)]
LANGUAGES = ["ar", "fa", "ps", "so", "ti", "tr", "ku", "en", "ur", "ru"]
FOCUS = ["network", "everyday_advice", "language"]
ON = date(2023, 6, 1)


def event(event_type: str, payload: dict) -> Event:
    return Event(new_event_id(), event_type, 1, utcnow(), "bench", REGISTRY.validate(event_type, 1, payload,
                                                                                      strict=False))


def build(db: ServiceDatabase, n: int, rng: random.Random) -> list[str]:
    """``n`` volunteers and 20 waiting referrals, applied as events to the projection."""
    with db.engine.begin() as conn:
        for _ in range(n):
            vid = str(uuid.uuid4())
            PROJECTION.apply(conn, event("volunteer_registered", {
                "volunteer_id": vid, "gender": rng.choice(["female", "female", "male"]), "birth_year": 1970,
                "languages": ["da"] + rng.sample(LANGUAGES, rng.randint(0, 2)),
                "municipality": rng.choice(MUNICIPALITIES), "strengths": rng.sample(FOCUS, rng.randint(0, 3)),
                "region": rng.choices(list(REGIONS), list(REGIONS.values()))[0], "capacity": rng.randint(1, 3)}))
            roll = rng.random()
            if roll < 0.15:
                continue  # registered only, or rejected below
            outcome = "rejected" if roll < 0.2 else "approved"
            PROJECTION.apply(conn, event("volunteer_screened", {"volunteer_id": vid, "outcome": outcome,
                                                                "screened_on": "2022-01-10"}))
            if outcome == "approved" and roll > 0.3:
                trained = ON - timedelta(days=rng.randint(0, 600))
                PROJECTION.apply(conn, event("volunteer_trained", {"volunteer_id": vid,
                                                                   "completed_on": trained.isoformat()}))
                if roll > 0.85:  # at capacity
                    conn.execute(update(volunteers).where(volunteers.c.volunteer_id == vid)
                                 .values(active_matches=volunteers.c.capacity, status="full"))
        return [referral(conn, rng, region) for region in REGIONS for _ in range(20 // len(REGIONS))]


def referral(conn, rng: random.Random, region: str) -> str:  # type: ignore[no-untyped-def]
    rid = str(uuid.uuid4())
    PROJECTION.apply(conn, event("referral_received", {
        "referral_id": rid, "region": region, "external_ref": rid, "referring_site": "CTP",
        "referred_on": "2023-01-15", "needs": rng.sample(FOCUS, rng.randint(1, 3)),
        "preferences": {"volunteer_gender": rng.choice(["female", "male", "any"])},
        "participant": {"gender": "female", "birth_year": 1978, "country_of_birth": "SY", "arrival_year": 2014,
                        "danish_level": "basic", "languages": rng.sample(LANGUAGES, 2) + ["da"],
                        "municipality": rng.choice(MUNICIPALITIES)}}))
    return rid


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(f"{name:<34} n={len(ordered):<5} p50={statistics.median(ordered):6.1f} ms  "
          f"p95={p95:6.1f} ms  max={ordered[-1]:6.1f} ms  {'OK' if p95 < 50 else 'OVER 50 ms'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10, help="rankings per referral")
    parser.add_argument("--single-region", action="store_true",
                        help="worst case: every volunteer and referral in hovedstaden")
    args = parser.parse_args()
    if args.single_region:
        REGIONS.clear()
        REGIONS["hovedstaden"] = 1.0
    rng, weights = random.Random(2026), current()
    with tempfile.TemporaryDirectory() as tmp:
        db = ServiceDatabase("matching", make_engine(f"sqlite:///{Path(tmp) / 'matching.db'}"), PROJECTION, REGISTRY)
        db.create_tables()
        started = time.perf_counter()
        referrals = build(db, args.volunteers, rng)
        print(f"built {args.volunteers} volunteers and {len(referrals)} referrals in "
              f"{time.perf_counter() - started:.1f} s (SQLite, weights {weights.version})")

        def rank(rid: str) -> None:
            with db.reading() as conn:
                handlers.rank_candidates(SqlMatching(conn), rid, ON, weights, 50)

        for rid in referrals:  # warm up caches and the file system
            rank(rid)
        ranking = [timed(lambda: rank(rid)) for _ in range(args.rounds) for rid in referrals]
        store = StoredStore(db, SqlMatching)
        proposing = [timed(lambda: handlers.propose_candidates(store, rid, 50, ON, weights, None))
                     for _ in range(args.rounds) for rid in referrals]
        with db.reading() as conn:
            sizes = [handlers.rank_candidates(SqlMatching(conn), rid, ON, weights).eligible for rid in referrals]
        print(f"eligible candidates per referral: min {min(sizes)}, median {int(statistics.median(sizes))}, "
              f"max {max(sizes)}")
        report("rank (load pool, filter, score)", ranking)
        report("propose (rank + record + answer)", proposing)
        db.engine.dispose()


if __name__ == "__main__":
    main()
