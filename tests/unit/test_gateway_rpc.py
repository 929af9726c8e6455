"""A silent service becomes ``Unavailable`` rather than a hung request."""
from __future__ import annotations

import eventlet
import pytest

from services.gateway.errors import Unavailable
from services.gateway.rpc import TimedServiceProxy


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
