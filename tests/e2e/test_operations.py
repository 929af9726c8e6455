"""An operator's view of the running system: metrics, liveness, status, dead letters, JSON logs."""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import pytest
import requests

from tests.support import events as ev
from tests.support.api import Api
from tests.support.bus import IntakePublisher
from tests.support.cli import lgv
from tests.support.processes import System
from tests.support.waiting import wait_for


@pytest.fixture
def json_logging_system(amqp_uri: str, var_dir: str) -> Iterator[System]:
    running = System(amqp_uri, var_dir, extra_env={"LOG_FORMAT": "json"})
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _figure(text: str, name: str, service: str) -> float | None:
    found = re.search(rf'^{name}{{service="{service}"}} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else None


def test_an_operator_sees_figures_status_and_dead_letters_of_every_service(
        json_logging_system: System, amqp_uri: str) -> None:
    system = json_logging_system
    api = Api(system.gateway)
    publisher = IntakePublisher(amqp_uri)
    good, bad = ev.referral_submitted(), ev.referral_submitted()
    bad["payload"]["referring_site"] = "NOWHERE"
    try:
        publisher.publish(good)
        publisher.publish(bad)
    finally:
        publisher.close()
    api.accepted("/api/v1/volunteers", ev.volunteer_body())

    def scraped() -> str | None:
        text = requests.get(f"{system.gateway}/metrics", timeout=10).text
        settled = (_figure(text, "lgv_dead_letters_open", "referrals") == 1
                   and _figure(text, "lgv_outbox_backlog", "matching") == 0
                   and _figure(text, "lgv_outbox_backlog", "referrals") == 0
                   and (_figure(text, "lgv_events_applied_total", "matching") or 0) >= 1)
        return text if settled else None

    text = wait_for(scraped, 60, interval=0.5, what="the dead letter and the referral in /metrics")
    for service in ("referrals", "matching", "followup"):
        assert _figure(text, "lgv_service_up", service) == 1
        for name in ("lgv_parked_events", "lgv_consumer_errors_total", "lgv_projection_position"):
            assert _figure(text, name, service) is not None, (name, service)
    assert _figure(text, "lgv_consumer_errors_total", "referrals") >= 1
    assert 'lgv_gateway_request_duration_seconds_count{method="POST",route="/api/v1/volunteers",status="202"}' in text

    assert requests.get(f"{system.gateway}/health/live", timeout=5).json() == {"status": "ok"}
    spec = requests.get(f"{system.gateway}/asyncapi.json", timeout=5).json()  # no token
    assert spec["asyncapi"] == "3.0.0" and "intake.events.referral_submitted" in spec["channels"]

    env = {**os.environ, "LGV_VAR_DIR": str(system.var_dir)}
    letters = lgv(env, "dlq", "list")
    assert re.search(r"^referrals\s+\d+\s.*referral_submitted", letters, re.MULTILINE), letters
    assert "0 open dead letter(s) in matching" in letters and "0 open dead letter(s) in followup" in letters
    status = lgv(env, "status").splitlines()
    assert status[0].split()[:4] == ["service", "backlog", "dead", "letters"]
    referrals = next(line for line in status if line.startswith("referrals")).split()
    assert referrals[1:4] == ["0", "1", "0"] and int(referrals[4]) >= 2

    lines = [json.loads(line) for line in system.log("referrals").splitlines() if line.startswith("{")]
    assert lines, system.log("referrals")[-2000:]
    assert all({"timestamp", "level", "service", "event_id", "correlation_id"} <= set(line) for line in lines)
    assert {line["service"] for line in lines} == {"referrals"}
    rejected = [line for line in lines if line["event_id"] == bad["event_id"]]
    assert rejected and rejected[0]["level"] == "WARNING"
