"""RabbitMQ definitions for the bus, generated from ``shared/topology.py``.

``python -m deploy.definitions > deploy/rabbitmq/definitions.json`` regenerates the
file the docker-compose broker imports at boot; a unit test keeps the two equal.

The services declare the same objects themselves at start-up, so the file only
pre-creates them: an integrator's publish to ``intake.events`` is routed (and kept)
even before the first service has run. A node that imports definitions at boot
creates no ``guest`` user, so the file carries the vhost, a development user
(``lgv``/``lgv``) and its permissions as well.
"""
from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from shared import topology

VHOST = "/"
DEV_USER = "lgv"
DEV_PASSWORD = "lgv"
# A fixed salt keeps the generated file stable; the credentials are for development only.
_DEV_SALT = b"lgv\x00"


def password_hash(password: str, salt: bytes = _DEV_SALT) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    digest = hashlib.sha256(salt + password.encode("utf-8")).digest()
    return base64.b64encode(salt + digest).decode("ascii")


def _exchange(name: str, type_: str) -> dict[str, Any]:
    return {
        "name": name,
        "vhost": VHOST,
        "type": type_,
        "durable": True,
        "auto_delete": False,
        "internal": False,
        "arguments": {},
    }


def _queue(name: str, arguments: dict[str, object]) -> dict[str, Any]:
    return {
        "name": name,
        "vhost": VHOST,
        "durable": True,
        "auto_delete": False,
        "arguments": dict(arguments),
    }


def _binding(source: str, queue: str, routing_key: str) -> dict[str, Any]:
    return {
        "source": source,
        "vhost": VHOST,
        "destination": queue,
        "destination_type": "queue",
        "routing_key": routing_key,
        "arguments": {},
    }


def _service_objects(service: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A service's inbox and parking queue, and every binding that feeds them."""
    inbox = topology.inbox_queue_name(service)
    parking = topology.parking_queue(service)
    queues = [
        _queue(inbox, topology.queue_arguments(service)),
        _queue(parking.name, parking.queue_arguments or {}),
    ]
    bindings = [
        _binding(sub.exchange, inbox, event_type)
        for sub in topology.SUBSCRIPTIONS[service]
        for event_type in sub.event_types
    ]
    bindings.append(_binding(topology.DEAD_LETTER_EXCHANGE, parking.name, parking.routing_key))
    bindings.append(_binding(topology.resend_exchange_name(service), inbox, inbox))
    return queues, bindings


def build() -> dict[str, Any]:
    """The whole definitions document, in a stable order."""
    exchanges = [_exchange(name, topology.exchange(name).type) for name in topology.EXCHANGE_NAMES]
    exchanges.append(_exchange(topology.DEAD_LETTER_EXCHANGE, topology.dead_letter_exchange().type))
    exchanges += [_exchange(topology.resend_exchange_name(service), topology.resend_exchange(service).type)
                  for service in topology.SUBSCRIPTIONS]
    queues: list[dict[str, Any]] = []
    bindings: list[dict[str, Any]] = []
    for service in topology.SUBSCRIPTIONS:
        service_queues, service_bindings = _service_objects(service)
        queues += service_queues
        bindings += service_bindings
    return {
        "vhosts": [{"name": VHOST}],
        "users": [
            {
                "name": DEV_USER,
                "password_hash": password_hash(DEV_PASSWORD),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": ["administrator"],
            }
        ],
        "permissions": [
            {"user": DEV_USER, "vhost": VHOST, "configure": ".*", "write": ".*", "read": ".*"}
        ],
        "exchanges": exchanges,
        "queues": queues,
        "bindings": bindings,
    }


def render() -> str:
    """The JSON text exactly as it is stored in ``deploy/rabbitmq/definitions.json``."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    print(render(), end="")


if __name__ == "__main__":
    main()
