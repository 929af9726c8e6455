"""GET /api/v1/audit/access through the gateway's WSGI app over in-memory services."""
from __future__ import annotations

import pytest
from werkzeug.test import Client

from services.gateway import token_registry
from shared.paging import MAX_LIMIT
from tests.support.gateway_app import gateway_app


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_SECRET", "access-log-test-secret-" + "s" * 32)


def test_the_largest_page_the_contract_allows_is_served() -> None:
    token = token_registry.issue("auditor", [], name="access-log-auditor")
    response = Client(gateway_app()).get(f"/api/v1/audit/access?limit={MAX_LIMIT}",
                                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert {item["subject_id"] for item in response.json["items"]} == {"r-1"}
