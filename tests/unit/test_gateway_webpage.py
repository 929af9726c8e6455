"""The web page's files as the gateway serves them: headers, no inline code, no HTML from data."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from services.followup.reporting.figures_from_fold import AGE_BANDS
from services.gateway.routes.webpage import ASSETS, PAGE_DIR
from services.gateway.service import GatewayService
from shared import contracts, reference
from shared.errors import NotFound
from tests.support.gateway_app import gateway_app


@pytest.fixture
def gateway() -> Any:
    return worker_factory(GatewayService)


def get(path: str = "/") -> Request:
    return Request(EnvironBuilder(method="GET", path=path).get_environ())


def test_the_page_is_served_at_the_root_with_a_self_only_content_security_policy(gateway: Any) -> None:
    response = gateway.webpage(get())
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self';")
    assert b'<script type="module" src="/assets/js/app.js">' in response.data


def test_assets_are_served_with_their_media_type(gateway: Any) -> None:
    script = gateway.webpage_asset(get("/assets/js/app.js"), name="js/app.js")
    assert script.mimetype == "text/javascript" and "Content-Security-Policy" in script.headers
    assert gateway.webpage_asset(get(), name="style.css").mimetype == "text/css"
    assert json.loads(gateway.webpage_asset(get(), name="strings/da.json").data)["nav"]["waiting"] == "Venteliste"


@pytest.mark.parametrize("name", ["../service.py", "js/../../tokens.py", "missing.js", "", "/etc/passwd"])
def test_nothing_outside_the_page_directory_is_served(gateway: Any, name: str) -> None:
    with pytest.raises(NotFound):
        gateway.webpage_asset(get(), name=name)


def test_the_page_has_no_inline_script_style_or_event_handler() -> None:
    html = (PAGE_DIR / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\sstyle=|\son\w+=|<style", html)


def test_no_script_writes_html_from_strings() -> None:
    scripts = {name: path.read_text() for name, path in ASSETS.items() if name.endswith(".js")}
    assert "js/app.js" in scripts and len(scripts) > 10
    for name, text in scripts.items():
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                     'setAttribute("style"', "document.cookie"):
            assert sink not in text, (name, sink)


def test_danish_and_english_name_the_same_things() -> None:
    def keys(node: dict[str, Any], prefix: str = "") -> set[str]:
        return {k for key, value in node.items() for k in
                (keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}"})}

    da, en = (json.loads((PAGE_DIR / "strings" / f"{lang}.json").read_text()) for lang in ("da", "en"))
    assert keys(da) == keys(en)


def test_every_text_the_scripts_ask_for_is_in_the_tables() -> None:
    da = json.loads((PAGE_DIR / "strings" / "da.json").read_text())
    asked = {key for path in ASSETS.values() if path.suffix == ".js"
             for key in re.findall(r'\bt\(\s*"([a-z_.]+)"', path.read_text())}
    missing = []
    for key in asked:
        node: Any = da
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, str):
            missing.append(key)
    assert asked and not missing, missing


def test_through_the_wsgi_app_an_unknown_file_is_the_json_404_and_the_page_carries_its_policy() -> None:
    client = Client(gateway_app())
    page = client.get("/")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    for path in ("/assets/../service.py", "/assets/%2e%2e/service.py", "/assets/nothing.js", "/index.html"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.json["error"] == "not_found", path


def _js_lists() -> dict[str, list[str]]:
    text = (PAGE_DIR / "js" / "codes.js").read_text()
    return {name: re.findall(r'"([^"]+)"', body)
            for name, body in re.findall(r"export const (\w+) = \[([^\]]*)\]", text)}


def test_the_pages_code_lists_are_the_contracts_and_each_has_a_label() -> None:
    lists = _js_lists()
    assert lists == {
        "GENDERS": list(contracts.GENDERS), "FOCUS_AREAS": list(reference.focus_areas()),
        "CONTACT_KINDS": list(contracts.CONTACT_KINDS), "CLOSE_INITIATORS": list(contracts.CLOSE_INITIATORS),
        "CLOSE_REASONS": list(contracts.CLOSE_REASONS), "MATCH_REASONS": list(reference.match_reasons()),
        "AGE_BANDS": list(AGE_BANDS),
    }
    groups = {"GENDERS": "gender", "FOCUS_AREAS": "focus", "CONTACT_KINDS": "contact",
              "CLOSE_INITIATORS": "initiator", "CLOSE_REASONS": "close_reason", "MATCH_REASONS": "match_reason"}
    for lang in ("da", "en"):
        labels = json.loads((PAGE_DIR / "strings" / f"{lang}.json").read_text())["codes"]
        for name, group in groups.items():
            assert set(labels[group]) == set(lists[name]), (lang, group)
