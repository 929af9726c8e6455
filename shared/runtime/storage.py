"""``Storage``: a service's own database, plus its outbox relay, as a nameko dependency."""
from __future__ import annotations

import logging
import threading

from nameko.extensions import DependencyProvider

from shared import config
from shared.contracts import REGISTRY
from shared.db import make_engine
from shared.outbox import OutboxRelay, run_forever
from shared.projection import Projection
from shared.unit_of_work import ServiceDatabase

log = logging.getLogger(__name__)


class Storage(DependencyProvider):
    """Gives workers the service's ``ServiceDatabase`` and relays its outbox in the background."""

    def __init__(self, projection: Projection) -> None:
        self.projection = projection
        self.db: ServiceDatabase | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def setup(self) -> None:
        service = self.container.service_name
        engine = make_engine(config.database_url(service))
        self.db = ServiceDatabase(service, engine, self.projection, REGISTRY)
        self.prepare_schema(self.db)
        self.db.on_commit(self._wake.set)

    def prepare_schema(self, db: ServiceDatabase) -> None:
        """Migrate the service's database to the newest revision (services/<name>/migrations/)."""
        db.upgrade_schema()

    def start(self) -> None:
        assert self.db is not None
        relay = OutboxRelay(self.db, self.container.config.get("AMQP_URI", config.amqp_uri()))
        self.container.spawn_managed_thread(
            lambda: run_forever(relay, self._wake, self._stopping),
            identifier=f"{self.container.service_name}.outbox_relay")

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx: object) -> ServiceDatabase:
        assert self.db is not None
        return self.db
