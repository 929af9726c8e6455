"""``/asyncapi.json``: the bus as AsyncAPI 3.0, generated, valid, complete and kept in docs/."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from cli.asyncapi import render
from shared import topology
from shared.asyncapi import build_asyncapi
from shared.contracts import REGISTRY
from shared.personal import unpublished

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL = ROOT / "tests" / "schemas" / "asyncapi-3.0.0.json"
REGENERATE = "make asyncapi  (or: .venv/bin/lgv asyncapi > docs/asyncapi.json)"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if isinstance(node.get("$ref"), str) else []) + \
            [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_document_is_valid_asyncapi_3() -> None:
    validator = jsonschema.Draft7Validator(json.loads(OFFICIAL.read_text()))
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(build_asyncapi())]
    assert not errors, errors


def test_the_official_schema_refuses_a_broken_document() -> None:
    validator = jsonschema.Draft7Validator(json.loads(OFFICIAL.read_text()))
    broken = build_asyncapi()
    next(iter(broken["operations"].values()))["action"] = "publish"  # AsyncAPI 2's word, not 3's
    assert not validator.is_valid(broken)


def test_every_reference_resolves() -> None:
    document = build_asyncapi()
    for ref in _refs(document):
        assert _resolve(document, ref) is not None, ref


def test_every_operation_sends_or_receives_messages_of_its_channel() -> None:
    document = build_asyncapi()
    for name, operation in document["operations"].items():
        channel = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel + "/messages/"), name


def test_every_exchange_and_every_event_version_is_named() -> None:
    document = build_asyncapi()
    exchanges = {b["exchange"]["name"]: b["exchange"]["type"] for b in
                 (c["bindings"]["amqp"] for c in document["channels"].values())}
    internal = {topology.resend_exchange_name(s) for s in topology.SUBSCRIPTIONS} | {topology.DEAD_LETTER_EXCHANGE}
    assert set(exchanges) == set(topology.EXCHANGE_NAMES) | internal
    assert {exchanges[name] for name in topology.EXCHANGE_NAMES} == {"topic"}
    assert {exchanges[name] for name in internal} == {"direct"}
    messages = document["components"]["messages"]
    for event_type in REGISTRY.event_types():
        for version in REGISTRY.versions(event_type):
            message = messages[f"{event_type}.v{version}"]
            assert message["name"] == event_type
            versioned = message["payload"]["allOf"][1]["properties"]
            assert versioned["schema_version"] == {"const": version}
            assert versioned["event_type"] == {"const": event_type}


def test_every_event_type_is_carried_by_exactly_one_exchange() -> None:
    # A new event type must be placed in topology.INTAKE_EVENTS or topology.RECORDS.
    for event_type in REGISTRY.event_types():
        exchanges = [name for name in topology.EXCHANGE_NAMES if event_type in topology.carried_by(name)]
        # An erasure is recorded by whichever service owns the subject (a referral, a volunteer).
        owners = 2 if event_type == "subject_erased" else 1
        assert len(exchanges) == owners, f"{event_type} is carried by {exchanges}"


def test_publishers_and_consumers_follow_the_topology() -> None:
    operations = build_asyncapi()["operations"]
    assert operations["intake.publishes.intake.events.referral_submitted"]["action"] == "send"
    assert operations["referrals.consumes.intake.events.referral_submitted"]["x-lgv-queue"]["name"] == \
        "referrals.inbox"
    assert "matching.consumes.intake.events.referral_submitted" not in operations
    for service in topology.SUBSCRIPTIONS:
        for event_type in topology.RECORDS[service]:
            channel = f"{service}.events.{event_type}"
            assert operations[f"{service}.publishes.{channel}"]["action"] == "send"
            receivers = {o["x-lgv-party"] for o in operations.values()
                         if o["action"] == "receive" and o["channel"]["$ref"] == f"#/channels/{channel}"}
            assert receivers == set(topology.consumers(f"{service}.events", event_type))


def test_services_publish_under_their_broker_user_and_resend_only_to_their_own_inbox() -> None:
    operations = build_asyncapi()["operations"]
    assert operations["matching.publishes.matching.events.matched"]["bindings"]["amqp"]["userId"] == "matching"
    assert "userId" not in operations["intake.publishes.intake.events.referral_submitted"]["bindings"]["amqp"]
    for service in topology.SUBSCRIPTIONS:
        resend = topology.resend_exchange_name(service)
        senders = {o["x-lgv-party"] for o in operations.values() if o["channel"]["$ref"] == f"#/channels/{resend}"}
        assert senders == {service}


def test_published_payloads_leave_out_identifying_fields() -> None:
    document = build_asyncapi()
    for channel_id, channel in document["channels"].items():
        if channel_id.startswith(topology.INTAKE_EXCHANGE):
            continue
        for ref in channel["messages"].values():
            message = _resolve(document, ref["$ref"])
            if message["name"] == "any_event":  # a re-sent message is whatever was first published
                continue
            payload = _resolve(document, message["payload"]["allOf"][1]["properties"]["payload"]["$ref"])
            leaked = set(unpublished(message["name"])) & set(payload["properties"])
            assert not leaked, f"{channel_id} publishes {leaked}"


def test_intake_payloads_keep_the_contract_fields() -> None:
    schemas = build_asyncapi()["components"]["schemas"]
    v1 = schemas["ReferralSubmittedV1"]
    assert {"personal", "consent", "participant", "referred_on"} <= set(v1["properties"])
    assert "referral_date" in schemas["ReferralSubmittedV2"]["properties"]
    assert schemas["Participant"]["properties"]["country_of_birth"]["pattern"] == "^[A-Z]{2}$"


def test_docs_copy_is_current() -> None:
    kept = (ROOT / "docs" / "asyncapi.json").read_text(encoding="utf-8")
    assert kept == render(), f"docs/asyncapi.json is stale; regenerate it: {REGENERATE}"
