"""A silent service becomes ``Unavailable`` rather than a hung request."""
from __future__ import annotations

from types import SimpleNamespace

import eventlet
import pytest
from nameko.rpc import MethodProxy

from services.gateway.errors import Unavailable
from services.gateway.rpc import TRANSIENT, RpcClient, TimedServiceProxy


class SlowProxy:
    def health(self) -> str:
        eventlet.sleep(1)
        return "ok"

    def echo(self, value: str) -> str:
        return value


def test_call_that_outlives_its_timeout_is_unavailable() -> None:
    proxy = TimedServiceProxy(SlowProxy(), "referrals", timeout=5)
    with pytest.raises(Unavailable):
        proxy.within(0.05).health()


def test_call_within_its_timeout_returns_the_answer() -> None:
    assert TimedServiceProxy(SlowProxy(), "referrals", timeout=5).echo("hi") == "hi"


def test_requests_to_the_services_are_transient_and_expire_with_the_timeout() -> None:
    client = RpcClient("referrals", timeout=7)
    worker = SimpleNamespace(container=SimpleNamespace(config={"AMQP_URI": "amqp://127.0.0.1/"}))
    method = MethodProxy(worker, "referrals", "submit_referral", None, **client.options)  # as each call is made
    assert (method.publisher.delivery_mode, method.publisher.expiration) == (TRANSIENT, 7)
