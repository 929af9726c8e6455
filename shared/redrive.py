"""Re-drive a dead letter: send its (possibly fixed) body to the service's own inbox again.

It goes through the service's ``<service>.resend`` exchange, published with the service's
broker user, headers saying where it was first published and by whom: the consumer judges
its authenticity as the first publication's (``shared.authenticity``), so re-driving a
forged event does not make it genuine. A replaced body is nobody's publication: it goes
without the first publisher's name, so only an intake event (which has no owner to forge)
can be fixed that way; a service's event with a new body is kept as a dead letter again.
Other subscribers of the first exchange are not bothered with it.
"""
from __future__ import annotations

from typing import Any

from shared import deadletters, publishing, topology
from shared.authenticity import (
    FIRST_EXCHANGE_HEADER,
    FIRST_PUBLISHER_HEADER,
    FIRST_ROUTING_KEY_HEADER,
)
from shared.broker_users import uri_user
from shared.errors import NotFound, RuleViolated
from shared.unit_of_work import ServiceDatabase


def redrive(db: ServiceDatabase, amqp_uri: str, dead_letter_id: int,
            body: str | None = None) -> dict[str, Any]:
    """Publish the dead letter again (with ``body`` instead, if given) and mark it re-driven.

    ``amqp_uri`` is the service's own broker login. A repeat of an event applied meanwhile
    is absorbed by event_id.
    """
    with db.reading() as conn:
        letter = deadletters.get(conn, dead_letter_id, db.keyring)
    if letter is None:
        raise NotFound(f"no dead letter {dead_letter_id} in {db.service}")
    if letter["status"] != deadletters.OPEN:
        raise RuleViolated(f"dead letter {dead_letter_id} was already re-driven")
    if body is None and letter["erased"]:
        raise RuleViolated(f"the body of dead letter {dead_letter_id} was erased; give a body to publish")
    if body is None and letter["body"] is None:  # kept, but it failed authentication (shared.keyring)
        raise RuleViolated(f"the body of dead letter {dead_letter_id} cannot be read; give a body to publish")
    headers = resend_headers(letter, body)
    with publishing.confirming(amqp_uri) as broker:
        channel = broker.default_channel
        topology.declare_own(channel, db.service)
        publishing.publish(broker.Producer(channel), body if body is not None else letter["body"],
                           exchange=topology.resend_exchange_name(db.service),
                           routing_key=topology.inbox_queue_name(db.service), headers=headers,
                           user_id=uri_user(amqp_uri), mandatory=True)
    with db.engine.begin() as conn:
        deadletters.mark_redriven(conn, dead_letter_id)
        return deadletters.get(conn, dead_letter_id, db.keyring) or {}


def resend_headers(letter: dict[str, Any], body: str | None) -> dict[str, str]:
    """Where the re-sent message was first published, and by whom unless its body was replaced.

    The broker vouched for the first publisher of the first body only: a different body
    keeps no one's authenticity, or any dead letter would be a template for a forgery.
    """
    headers = {FIRST_EXCHANGE_HEADER: letter["exchange"],
               FIRST_ROUTING_KEY_HEADER: letter["routing_key"]}
    replaced = body is not None and (letter["erased"] or body != letter["body"])
    if letter["published_by"] and not replaced:
        headers[FIRST_PUBLISHER_HEADER] = letter["published_by"]
    return headers
