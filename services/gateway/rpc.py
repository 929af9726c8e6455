"""RPC proxies that give up: a silent service becomes a 503, not a hung request."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import eventlet
from nameko.rpc import RpcProxy

from shared.runtime import amqp_reads, producers

from .errors import Unavailable
from .replies import ReplyListener

producers.install()  # every request published finds its producer pool once
amqp_reads.install()  # replies and confirms are read a few KiB at a time, not 3 recv calls a frame

DEFAULT_TIMEOUT = 10.0


class TimedServiceProxy:
    """Wraps nameko's service proxy so every call is bounded by ``timeout`` seconds."""

    def __init__(self, proxy: Any, service: str, timeout: float) -> None:
        self._proxy = proxy
        self._service = service
        self._timeout = timeout

    def within(self, timeout: float) -> TimedServiceProxy:
        """The same proxy with another time limit (e.g. for health probes)."""
        return TimedServiceProxy(self._proxy, self._service, timeout)

    def __getattr__(self, method: str) -> Callable[..., Any]:
        remote = getattr(self._proxy, method)

        def call(*args: Any, **kwargs: Any) -> Any:
            failure = Unavailable(f"The {self._service} service did not answer in time.")
            with eventlet.Timeout(self._timeout, failure):
                return remote(*args, **kwargs)

        return call


TRANSIENT = 1  # AMQP delivery_mode: the broker keeps the message in memory, not in its message store


class RpcClient(RpcProxy):
    """``RpcProxy`` whose calls time out; requests expire unread after the timeout too.

    Requests are transient: a write carries ``personal`` in plain text to the service that
    seals it, and a request outlives no broker restart usefully (it expires in seconds), so
    RabbitMQ is not asked to write it to its message store on disk.
    """

    rpc_reply_listener = ReplyListener()

    def __init__(self, target_service: str, timeout: float = DEFAULT_TIMEOUT, **options: Any) -> None:
        # A request the service picks up after we gave up would act twice if retried.
        options.setdefault("expiration", timeout)
        options.setdefault("delivery_mode", TRANSIENT)
        super().__init__(target_service, **options)
        self.timeout = timeout

    def get_dependency(self, worker_ctx: Any) -> TimedServiceProxy:
        proxy = super().get_dependency(worker_ctx)
        return TimedServiceProxy(proxy, self.target_service, self.timeout)
