"""Re-publish a service's recorded events to a named queue, to bootstrap a new consumer.

An admin login declares the durable queue and binds it to the service's own
``<service>.resend`` exchange; the service's broker user publishes, so every message
carries the service's AMQP ``user_id`` as on ``<service>.events``.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from kombu import Connection as BrokerConnection
from kombu import Queue

from shared import publishing, topology
from shared.authenticity import (
    FIRST_EXCHANGE_HEADER,
    FIRST_PUBLISHER_HEADER,
    FIRST_ROUTING_KEY_HEADER,
)
from shared.broker_users import uri_user
from shared.eventstore import RECORDED
from shared.personal import public_view
from shared.unit_of_work import ServiceDatabase


def republish(db: ServiceDatabase, amqp_uri: str, queue: str, admin_uri: str,
              progress: Callable[[int], None] | None = None) -> int:
    """Publish every event the service recorded, in order, to durable ``queue`` (confirmed).

    ``amqp_uri`` is the service's broker login, ``admin_uri`` one that may bind ``queue``.
    """
    with BrokerConnection(admin_uri) as admin:
        Queue(queue, exchange=topology.resend_exchange(db.service), routing_key=queue,
              durable=True)(admin.default_channel).declare()
    published, user = 0, uri_user(amqp_uri)
    headers = {FIRST_EXCHANGE_HEADER: topology.service_exchange_name(db.service),
               FIRST_PUBLISHER_HEADER: user, "x-lgv-replayed-from": db.service}
    with publishing.confirming(amqp_uri) as broker, db.reading() as conn:
        producer = broker.Producer(broker.default_channel)
        for _seq, event in db.store.read_all(conn, origin=RECORDED):
            publishing.publish(producer, json.dumps(public_view(event.to_dict()), ensure_ascii=False),
                               exchange=topology.resend_exchange_name(db.service), routing_key=queue,
                               user_id=user, mandatory=True,
                               headers={**headers, "x-lgv-event-type": event.event_type,
                                        FIRST_ROUTING_KEY_HEADER: event.event_type})
            published += 1
            if progress is not None:
                progress(1)
    return published
