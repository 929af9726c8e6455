"""A service whose RPC answers after a pause, for tests of how requests and replies travel."""
from __future__ import annotations

from typing import Any

import eventlet
from nameko.testing.services import dummy

from shared.runtime.rpc import rpc


class Sleeper:
    name = "sleeper"

    @rpc
    def nap(self, value: Any, seconds: float = 0.0) -> Any:
        eventlet.sleep(seconds)
        return value

    @dummy
    def hold(self, seconds: float) -> None:
        """Another entrypoint's worker (a timer's, an inbox batch's), from the same pool."""
        eventlet.sleep(seconds)
