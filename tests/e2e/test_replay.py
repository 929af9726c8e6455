"""Drop a service's projection tables; ``lgv replay`` rebuilds them row for row."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.support.cli import lgv
from tests.support.projections import rows
from tests.support.scenario import small_programme

TABLES = {"referrals": ("referrals",), "matching": ("referrals", "volunteers", "matches"),
          "followup": ("matches", "checkins")}


@pytest.mark.parametrize("service", sorted(TABLES))
def test_dropped_projection_tables_are_rebuilt_row_for_row(system, api, intake, service):
    small_programme(system, api, intake)
    system.stop()
    url = system.database_url(service)
    before = {table: rows(url, table) for table in TABLES[service]}
    assert all(before.values()), before

    engine = create_engine(url)
    with engine.begin() as conn:
        for table in TABLES[service]:
            conn.execute(text(f"DROP TABLE {table}"))
    engine.dispose()

    assert f"{service}: rebuilt" in lgv(system.env, "replay", service)
    assert {table: rows(url, table) for table in TABLES[service]} == before
