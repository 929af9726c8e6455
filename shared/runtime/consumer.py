"""``ConsumesEvents``: the inbox entrypoint and the parked-event sweep, for every service."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from nameko.timer import timer

from shared import config, consumption
from shared.consumption import Delivery, Handlers
from shared.envelope import utcnow
from shared.runtime.inbox import inbox


class ConsumesEvents:
    """Mixed into a service class with a ``db`` (``Storage``) and its ``inbox_handlers``."""

    db: Any
    inbox_handlers: Handlers = {}

    @inbox
    def handle_inbox(self, delivery: Delivery) -> str:
        return consumption.consume(self.db, self.inbox_handlers, delivery, config.max_delivery_attempts())

    @timer(interval=config.sweep_interval_seconds())
    def sweep_parked(self) -> int:
        return consumption.sweep(self.db, self.inbox_handlers, utcnow(),
                                 timedelta(seconds=config.park_timeout_seconds()))
