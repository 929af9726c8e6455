"""Drop a service's projection tables; ``lgv replay`` rebuilds them row for row."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.projections import rows
from tests.support.scenario import small_programme

LGV = str(Path(sys.executable).with_name("lgv"))
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

    done = subprocess.run([LGV, "replay", service], env=system.env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{service}: rebuilt" in done.stdout
    assert {table: rows(url, table) for table in TABLES[service]} == before
