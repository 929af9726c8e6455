"""``ConsumesEvents``: the inbox entrypoint and the parked-event sweep, for every service."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from nameko.timer import timer

from shared import config, consumption
from shared.consumption import Delivery, Handlers
from shared.envelope import utcnow
from shared.runtime.counters import CONSUMER_ERRORS
from shared.runtime.inbox import inbox
from shared.runtime.logformat import log_context


class ConsumesEvents:
    """Mixed into a service class with a ``db`` (``Storage``) and its ``inbox_handlers``."""

    db: Any
    inbox_handlers: Handlers = {}

    @inbox
    def handle_inbox(self, deliveries: list[Delivery]) -> list[str]:
        outcomes = consumption.consume_batch(self.db, self.inbox_handlers, deliveries,
                                             config.max_delivery_attempts(), around=log_context)
        for outcome in outcomes:
            if outcome in (consumption.REJECTED, consumption.RETRY):
                CONSUMER_ERRORS.add()
        return outcomes

    @timer(interval=config.sweep_interval_seconds())
    def sweep_parked(self) -> int:
        return consumption.sweep(self.db, self.inbox_handlers, utcnow(),
                                 timedelta(seconds=config.park_timeout_seconds()))
