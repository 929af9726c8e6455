"""The benchmarks' databases: a referrals log with its projection, and followup's report projection.

Built once per size and schema and kept under ``var/bench-cache/`` (with the master key
that sealed them), so a second ``make bench`` starts measuring at once.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from cli.services import projections
from scripts.bench import logs
from shared import replay
from shared.config import REPO_ROOT
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.unit_of_work import ServiceDatabase

CACHE = REPO_ROOT / "var" / "bench-cache"


def prepared(var_dir: Path, referral_events: int, matches: int) -> None:
    """Fill ``var_dir`` with referrals.db (``referral_events`` events) and followup.db (``matches`` matches)."""
    cache = CACHE / f"r{referral_events}-m{matches}-{_schema_digest()}"
    if not (cache / "done").exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True, mode=0o700)
        os.chmod(cache, 0o700)
        previous = os.environ.get("LGV_VAR_DIR")
        os.environ["LGV_VAR_DIR"] = str(cache)  # the master key that seals them lives beside them
        try:
            _referrals(cache, referral_events)
            _followup(cache, matches)
        finally:
            if previous is None:
                os.environ.pop("LGV_VAR_DIR")
            else:
                os.environ["LGV_VAR_DIR"] = previous
        (cache / "done").touch()
    for item in cache.iterdir():
        if item.name != "done":
            shutil.copy2(item, var_dir / item.name)
    for service in ("referrals", "followup"):
        database(var_dir, service).engine.dispose()


def _schema_digest() -> str:
    """A digest of what the cache is made of: the two projections' tables and the generated histories.

    A change to either makes a new cache, so no figure is measured on tables an
    older applier filled.
    """
    dialect = sqlite.dialect()
    digest = hashlib.sha256(Path(logs.__file__).read_bytes())
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
    db = ServiceDatabase(service, make_engine(f"sqlite:///{var_dir / (service + '.db')}"),
                         projections()[service], REGISTRY)
    db.create_tables()
    for index in (index for table in db.projection.metadata.sorted_tables for index in table.indexes):
        index.create(db.engine, checkfirst=True)
    return db


def _referrals(directory: Path, n: int) -> None:
    started = time.perf_counter()
    db = database(directory, "referrals")
    logs.write(db, logs.referral_history(n))
    replay.rebuild(db)
    db.engine.dispose()
    print(f"  prepared a {n}-event referrals log in {time.perf_counter() - started:.0f} s", flush=True)


def _followup(directory: Path, matches: int) -> None:
    """Followup's log of ``matches`` matches (all learned from others) and its projection, rebuilt from it.

    The projection is built as ``lgv replay followup`` builds it, so the report's
    tables are exactly those the services' appliers make of this log.
    """
    started = time.perf_counter()
    db = database(directory, "followup")
    logs.write(db, logs.followup_history(matches))
    replay.rebuild(db)
    db.engine.dispose()
    print(f"  prepared followup's report tables for {matches} matches in {time.perf_counter() - started:.0f} s",
          flush=True)
