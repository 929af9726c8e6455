"""Loading the cadence policy file: the shipped one, an override, and files refused."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.followup import policy
from services.followup.cadence import Policy
from shared import config

ENTRY = {"version": "v1", "effective_from": "2014-01-01", "first_contact_days": 14,
         "first_month_min_contacts": 2, "monthly_days": 30, "quarterly_after_months": 12,
         "quarterly_days": 90, "silent_after_days": 42}


@pytest.fixture(autouse=True)
def fresh_cache() -> Any:
    policy.load.cache_clear()
    yield
    policy.load.cache_clear()


def test_the_shipped_policy_has_the_domain_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.FOLLOWUP_POLICY_FILE, raising=False)

    assert policy.load() == (Policy("v1", date(2014, 1, 1)),)


def test_the_environment_points_at_another_file(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "policies.json"
    path.write_text(json.dumps({"versions": [
        ENTRY, {**ENTRY, "version": "v2", "effective_from": "2024-01-01", "monthly_days": 21}]}))
    monkeypatch.setenv(config.FOLLOWUP_POLICY_FILE, str(path))

    assert [(p.version, p.monthly_days) for p in policy.load()] == [("v1", 30), ("v2", 21)]


@pytest.mark.parametrize(("data", "complaint"), [
    ({}, "versions"),
    ({"versions": []}, "versions"),
    ({"versions": [{k: v for k, v in ENTRY.items() if k != "monthly_days"}]}, "missing monthly_days"),
    ({"versions": [{**ENTRY, "quarterly_days": 0}]}, "quarterly_days"),
    ({"versions": [{**ENTRY, "silent_after_days": True}]}, "silent_after_days"),
    ({"versions": [ENTRY, {**ENTRY, "effective_from": "2020-01-01"}]}, "unique"),
    ({"versions": [ENTRY, {**ENTRY, "version": "v0", "effective_from": "2010-01-01"}]},
     "increase"),
])
def test_a_bad_policy_file_is_refused_with_the_reason(data: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        policy.parse(data)


def test_no_month_one_minimum_is_allowed() -> None:
    assert policy.parse({"versions": [{**ENTRY, "first_month_min_contacts": 0}]})[0] \
        .first_month_min_contacts == 0
