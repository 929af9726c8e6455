"""Open a service's own database from the command line, as the service itself would."""
from __future__ import annotations

from sqlalchemy import Engine, MetaData

from shared import config, migrations
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.projection import Projection
from shared.unit_of_work import ServiceDatabase


def projections() -> dict[str, Projection]:
    from services.followup.projection import PROJECTION as followup
    from services.matching.projection import PROJECTION as matching
    from services.referrals.projection import PROJECTION as referrals

    return {"referrals": referrals, "matching": matching, "followup": followup}


def open_database(service: str) -> ServiceDatabase:
    db = ServiceDatabase(service, make_engine(config.database_url(service)),
                         projections()[service], REGISTRY)
    db.upgrade_schema()
    return db


def schemas() -> dict[str, list[MetaData]]:
    """What the models say each database holds, by name (its migrations: services/<name>/migrations/)."""
    from services.gateway.database import NAME, metadata

    found = {name: migrations.target_metadata(p.metadata) for name, p in projections().items()}
    return {**found, NAME: [metadata]}


def database_url(name: str) -> str:
    from services.gateway import database

    return database.database_url() if name == database.NAME else config.database_url(name)


def upgrade(name: str, engine: Engine, revision: str = "head") -> None:
    """Migrate database ``name`` as its owner does on start."""
    from services.gateway import database

    if name == database.NAME:
        database.upgrade(engine, revision)
    else:
        migrations.upgrade(engine, name, schemas()[name], revision)
