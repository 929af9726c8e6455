"""A consultant's view of the gateway: HTTP calls with a bearer token."""
from __future__ import annotations

from typing import Any

import requests

from services.gateway import token_registry


class Api:
    def __init__(self, base: str, role: str = "coordinator", regions: tuple[str, ...] = (),
                 name: str = "test-consultant") -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + token_registry.issue(role, regions, name)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=30)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=30)

    def ok(self, path: str, **params: Any) -> dict[str, Any]:
        response = self.get(path, **params)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def accepted(self, path: str, body: Any) -> dict[str, Any]:
        response = self.post(path, body)
        assert response.status_code == 202, (path, response.status_code, response.text)
        return response.json()
