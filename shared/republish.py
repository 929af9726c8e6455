"""Re-publish a service's recorded events to a named queue, to bootstrap a new consumer."""
from __future__ import annotations

import json
from collections.abc import Callable

from kombu import Connection as BrokerConnection
from kombu import Queue

from shared.eventstore import RECORDED
from shared.personal import public_view
from shared.unit_of_work import ServiceDatabase


def republish(db: ServiceDatabase, amqp_uri: str, queue: str,
              progress: Callable[[int], None] | None = None) -> int:
    """Publish every event the service recorded, in order, to durable ``queue`` (confirmed)."""
    published = 0
    with BrokerConnection(amqp_uri, transport_options={"confirm_publish": True}) as broker, \
            db.reading() as conn:
        channel = broker.default_channel
        Queue(queue, durable=True)(channel).declare()
        producer = broker.Producer(channel)
        for _seq, event in db.store.read_all(conn, origin=RECORDED):
            producer.publish(json.dumps(public_view(event.to_dict()), ensure_ascii=False),
                             exchange="", routing_key=queue, content_type="application/json",
                             content_encoding="utf-8", delivery_mode=2, confirm_timeout=10,
                             headers={"x-lgv-replayed-from": db.service, "x-lgv-event-type": event.event_type})
            published += 1
            if progress is not None:
                progress(1)
    return published
