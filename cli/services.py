"""Open a service's own database from the command line, as the service itself would."""
from __future__ import annotations

from shared import config
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
    db.create_tables()
    return db
