"""The broker definitions file in the repo is exactly what the topology generates."""
import json
from pathlib import Path

from deploy import definitions
from shared import topology

DEFINITIONS_FILE = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq" / "definitions.json"


def test_definitions_file_matches_the_topology():
    assert DEFINITIONS_FILE.read_text(encoding="utf-8") == definitions.render(), (
        "deploy/rabbitmq/definitions.json is stale; regenerate it with "
        "`python -m deploy.definitions > deploy/rabbitmq/definitions.json`"
    )


def test_every_subscription_is_a_binding_to_the_service_inbox():
    bindings = {
        (b["source"], b["destination"], b["routing_key"]) for b in definitions.build()["bindings"]
    }
    for service, subscriptions in topology.SUBSCRIPTIONS.items():
        for sub in subscriptions:
            for event_type in sub.event_types:
                assert (sub.exchange, topology.inbox_queue_name(service), event_type) in bindings


def test_inboxes_carry_the_topology_queue_arguments():
    queues = {q["name"]: q for q in json.loads(definitions.render())["queues"]}
    for service in topology.SUBSCRIPTIONS:
        inbox = queues[topology.inbox_queue_name(service)]
        assert inbox["arguments"] == topology.queue_arguments(service)
        assert inbox["durable"] is True


def test_each_service_parks_dead_letters_under_its_own_routing_key():
    bindings = definitions.build()["bindings"]
    for service in topology.SUBSCRIPTIONS:
        assert {
            "source": topology.DEAD_LETTER_EXCHANGE,
            "vhost": "/",
            "destination": f"{service}.dead-letters",
            "destination_type": "queue",
            "routing_key": service,
            "arguments": {},
        } in bindings
