"""End-to-end fixtures: the four services as separate processes on a fresh vhost."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import Api
from tests.support.bus import IntakePublisher
from tests.support.processes import System


@pytest.fixture
def system(amqp_uri: str, var_dir: str) -> Iterator[System]:
    running = System(amqp_uri, var_dir)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture
def api(system: System) -> Api:
    return Api(system.gateway)


@pytest.fixture
def intake(system: System) -> Iterator[IntakePublisher]:
    """An integrator: publishes with the ``intake`` broker user, as CONTRACTS.md §4.1 says."""
    publisher = IntakePublisher(system.uri("intake"))
    yield publisher
    publisher.close()
