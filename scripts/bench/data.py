"""The benchmarks' databases: a referrals log with its projection, followup's report
projection, and a referrals projection of at least 100,000 referrals for the reads.

Built once per size and schema and kept under ``var/bench-cache/`` (with the master key
that sealed them), so a second ``make bench`` starts measuring at once.

Followup's database is in the steady state a running system is in: its reminder run has
recorded a ``followup_due`` for each of the (long overdue) matches, and the services have
long since consumed them (their outbox rows are published). Without that, the reads would
be timed while the first sweep of a national system's history records and publishes
100,000 reminders at once, which a running system does once, not on every start.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from cli.services import projections
from scripts.bench import logs
from services.followup import handlers as followup_handlers
from services.followup import policy
from services.followup.repository import SqlFollowup
from shared import replay
from shared.config import REPO_ROOT
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.envelope import utcnow
from shared.eventstore import outbox
from shared.stored_work import StoredStore
from shared.unit_of_work import ServiceDatabase

CACHE = REPO_ROOT / "var" / "bench-cache"


READS = "reads-referrals.db"  # the reads' referrals database in the cache, referrals.db where it is used


def prepared(var_dir: Path, referral_events: int, matches: int, read_referrals: int | None = None) -> None:
    """Fill ``var_dir`` with referrals.db and followup.db (``matches`` matches).

    referrals.db is the ``referral_events``-event log (the replay's), or with
    ``read_referrals`` a projection of at least that many referrals (the reads').
    """
    cache = CACHE / f"r{referral_events}-m{matches}-{_schema_digest()}"
    if not (cache / "done").exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True, mode=0o700)
        os.chmod(cache, 0o700)
        with _sealing_in(cache):
            _referrals(cache / "referrals.db", logs.referral_history(referral_events))
            _followup(cache, matches)
        (cache / "done").touch()
    reads_cache = cache / f"reads-{read_referrals}"
    if read_referrals is not None and not (reads_cache / "done").exists():
        shutil.rmtree(reads_cache, ignore_errors=True)
        reads_cache.mkdir(mode=0o700)
        with _sealing_in(cache):
            _referrals(reads_cache / READS, logs.referrals_of(read_referrals))
        (reads_cache / "done").touch()
    for item in cache.iterdir():
        if item.is_file() and item.name != "done":
            shutil.copy2(item, var_dir / item.name)
    if read_referrals is not None:
        shutil.copy2(reads_cache / READS, var_dir / "referrals.db")
    for service in ("referrals", "followup"):
        database(var_dir, service).engine.dispose()


@contextmanager
def _sealing_in(cache: Path) -> Iterator[None]:
    """The master key that seals the cache's databases lives beside them."""
    previous = os.environ.get("LGV_VAR_DIR")
    os.environ["LGV_VAR_DIR"] = str(cache)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("LGV_VAR_DIR")
        else:
            os.environ["LGV_VAR_DIR"] = previous


def _schema_digest() -> str:
    """A digest of what the cache is made of: the projections' tables, the generated histories, this file.

    A change to either makes a new cache, so no figure is measured on tables an
    older applier filled.
    """
    dialect = sqlite.dialect()
    digest = hashlib.sha256(Path(logs.__file__).read_bytes() + Path(__file__).read_bytes())
    for service in ("referrals", "followup"):
        for table in projections()[service].metadata.sorted_tables:
            digest.update(str(CreateTable(table).compile(dialect=dialect)).encode())
            for index in sorted(table.indexes, key=lambda i: i.name or ""):
                digest.update(str(CreateIndex(index).compile(dialect=dialect)).encode())
    return digest.hexdigest()[:12]


def database(var_dir: Path, service: str) -> ServiceDatabase:
    """The service's database in ``var_dir``, with every table and index of today's models.

    A cache made by older models gets the indexes added since, so the services starting
    on it take it as their newest revision (``shared.migrations``) and the figures are
    those of today's schema.
    """
    return _database_file(var_dir / f"{service}.db", service)


def _database_file(path: Path, service: str) -> ServiceDatabase:
    db = ServiceDatabase(service, make_engine(f"sqlite:///{path}"), projections()[service], REGISTRY)
    db.create_tables()
    for index in (index for table in db.projection.metadata.sorted_tables for index in table.indexes):
        index.create(db.engine, checkfirst=True)
    return db


def _referrals(path: Path, history: logs.History) -> None:
    started = time.perf_counter()
    db = _database_file(path, "referrals")
    n = logs.write(db, history)
    replay.rebuild(db)
    db.engine.dispose()
    print(f"  prepared a {n}-event referrals log ({path.name}) in {time.perf_counter() - started:.0f} s",
          flush=True)


def _followup(directory: Path, matches: int) -> None:
    """Followup's log of ``matches`` matches (all learned from others) and its projection, rebuilt from it.

    The projection is built as ``lgv replay followup`` builds it, so the report's
    tables are exactly those the services' appliers make of this log.
    """
    started = time.perf_counter()
    db = database(directory, "followup")
    logs.write(db, logs.followup_history(matches))
    replay.rebuild(db)
    print(f"  prepared followup's report tables for {matches} matches in {time.perf_counter() - started:.0f} s",
          flush=True)
    started = time.perf_counter()
    store = StoredStore(db, SqlFollowup)
    reminded = len(followup_handlers.publish_due_reminders(store, date.today(), policy.load()))
    with db.engine.begin() as conn:  # published, and consumed by the services long ago
        conn.execute(update(outbox).where(outbox.c.published_at.is_(None)).values(published_at=utcnow()))
    print(f"  recorded followup's {reminded} reminders due by today in {time.perf_counter() - started:.0f} s",
          flush=True)
    db.engine.dispose()
