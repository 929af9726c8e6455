"""The operator's formats: JSON log lines and the Prometheus text of /metrics."""
from __future__ import annotations

import json
import logging
from typing import Any

from services.gateway import metrics
from shared.runtime.logformat import JsonFormatter, log_context


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("shared.consumption", logging.WARNING, __file__, 1, message, args, None)


def test_a_json_log_line_names_the_event_being_handled() -> None:
    formatter = JsonFormatter(service="referrals")
    body = json.dumps({"event_id": "e-1", "correlation_id": "c-9", "payload": {"personal": {"name": "X"}}})
    with log_context(body.encode()):
        line = json.loads(formatter.format(_record("kept a rejected %s message", "referral_submitted")))
    assert line["service"] == "referrals" and line["level"] == "WARNING"
    assert (line["event_id"], line["correlation_id"]) == ("e-1", "c-9")
    assert line["message"] == "kept a rejected referral_submitted message"
    assert line["timestamp"].endswith("+00:00") and "T" in line["timestamp"]


def test_outside_a_delivery_the_ids_are_null_and_a_body_that_is_not_json_is_no_failure() -> None:
    formatter = JsonFormatter(service="gateway")
    assert json.loads(formatter.format(_record("started")))["event_id"] is None
    with log_context(b"\xff not json"):
        assert json.loads(formatter.format(_record("odd")))["correlation_id"] is None


def test_metrics_label_every_figure_by_service_and_report_a_silent_one_as_down() -> None:
    status = {"outbox_backlog": 3, "dead_letters_open": 2, "dead_letters_total": 4, "parked_events": 1,
              "events_applied": 10, "events_recorded": 5, "consumer_errors": 7, "projection_position": 15}
    metrics.observe("GET", "/api/v1/referrals", 200, 0.012)
    text = metrics.render({"referrals": status, "matching": None}).decode()
    assert 'lgv_outbox_backlog{service="referrals"} 3.0' in text
    assert 'lgv_dead_letters_open{service="referrals"} 2.0' in text
    assert 'lgv_parked_events{service="referrals"} 1.0' in text
    assert 'lgv_events_applied_total{service="referrals"} 10.0' in text
    assert 'lgv_consumer_errors_total{service="referrals"} 7.0' in text
    assert 'lgv_service_up{service="matching"} 0.0' in text
    assert 'lgv_outbox_backlog{service="matching"}' not in text
    assert 'lgv_gateway_request_duration_seconds_count{method="GET",route="/api/v1/referrals",status="200"}' in text


def test_every_process_logs_dated_human_lines_by_default_and_json_with_its_name_on_request() -> None:
    import yaml
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()  # nameko's ${VAR:default}
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        _check_each_config(yaml)
    finally:  # the other tests keep the logging they started with
        root.handlers[:] = handlers
        root.setLevel(level)


def _check_each_config(yaml: Any) -> None:
    import logging.config
    import os
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parents[2] / "deploy" / "config").glob("*.yml")):
        for chosen, expect_json in ((None, False), ("json", True)):
            if chosen:
                os.environ["LOG_FORMAT"] = chosen
            try:
                settings = yaml.safe_load(path.read_text())["LOGGING"]
            finally:
                os.environ.pop("LOG_FORMAT", None)
            logging.config.dictConfig(settings)
            formatter = logging.getLogger().handlers[0].formatter
            line = formatter.format(_record("hello"))
            if expect_json:
                assert json.loads(line)["service"] == path.stem
            else:
                assert line[:10].count("-") == 2 and "hello" in line, line
