"""Re-drive a dead letter: publish its (possibly fixed) body where it first came from."""
from __future__ import annotations

from typing import Any

from kombu import Connection as BrokerConnection

from shared import deadletters, topology
from shared.errors import NotFound, RuleViolated
from shared.unit_of_work import ServiceDatabase


def redrive(db: ServiceDatabase, amqp_uri: str, dead_letter_id: int,
            body: str | None = None) -> dict[str, Any]:
    """Publish the dead letter again (with ``body`` instead, if given) and mark it re-driven.

    Subscribers that applied the original already absorb the repeat by event_id.
    """
    with db.reading() as conn:
        letter = deadletters.get(conn, dead_letter_id, db.keyring)
    if letter is None:
        raise NotFound(f"no dead letter {dead_letter_id} in {db.service}")
    if letter["status"] != deadletters.OPEN:
        raise RuleViolated(f"dead letter {dead_letter_id} was already re-driven")
    if body is None and letter["erased"]:
        raise RuleViolated(f"the body of dead letter {dead_letter_id} was erased; give a body to publish")
    with BrokerConnection(amqp_uri, transport_options={"confirm_publish": True}) as broker:
        channel = broker.default_channel
        topology.declare_all(channel)
        broker.Producer(channel).publish(
            body if body is not None else letter["body"], exchange=letter["exchange"],
            routing_key=letter["routing_key"], content_type="application/json",
            content_encoding="utf-8", delivery_mode=2, mandatory=True, confirm_timeout=10)
    with db.engine.begin() as conn:
        deadletters.mark_redriven(conn, dead_letter_id)
        return deadletters.get(conn, dead_letter_id, db.keyring) or {}
