"""Services told to stop are gone in well under two seconds, each of nameko's consumers included."""
from __future__ import annotations

import time
from typing import Any

import pytest
from nameko.containers import ServiceContainer
from nameko.testing.services import dummy, entrypoint_hook

from services.gateway.rpc import RpcClient
from shared.runtime.inbox import inbox
from tests.integration.test_inbox_entrypoint import CountingStorage
from tests.support.sleeper import Sleeper
from tests.support.store import counting_projection

# nameko's consumer noticed a stop only between reads of an idle connection, each up to a
# second, and stopping took two such reads: every service took two seconds to stop.
PROMPTLY = 1.5  # now about 0.6 s; two idle reads of kombu's default made at least 2


class Consuming:
    name = "followup"
    db = CountingStorage(counting_projection())

    @inbox
    def handle_inbox(self, deliveries: list[Any]) -> list[Any]:
        return []


class Caller:
    name = "caller"
    sleeper = RpcClient("sleeper", timeout=5)

    @dummy
    def ask(self, value: Any) -> Any:
        return self.sleeper.nap(value)


@pytest.mark.parametrize("service", [Sleeper, Caller, Consuming],
                         ids=["rpc requests", "rpc replies", "inbox"])
def test_a_started_service_stops_well_within_two_seconds(service: type, amqp_uri: str, var_dir: str) -> None:
    containers = [ServiceContainer(cls, {"AMQP_URI": amqp_uri}) for cls in {Sleeper, service}]
    for container in containers:
        container.start()
    target = next(c for c in containers if c.service_cls is service)
    if service is Caller:  # its reply consumer has consumed a reply
        with entrypoint_hook(target, "ask") as ask:
            assert ask("ping") == "ping"
    started = time.monotonic()
    target.stop()
    took = time.monotonic() - started
    for container in containers:
        container.stop()
    assert took < PROMPTLY, f"{service.__name__} took {took:.2f} s to stop"
