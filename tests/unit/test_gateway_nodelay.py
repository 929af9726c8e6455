"""The gateway answers on sockets without Nagle's delay (a body written after its headers waited 40 ms)."""
from __future__ import annotations

import socket

from services.gateway.json_server import JsonWebServer, NoDelayProtocol


def _connected_pair() -> tuple[socket.socket, socket.socket, socket.socket]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    return listener, client, accepted


def test_an_accepted_connection_sends_each_write_at_once():
    listener, client, accepted = _connected_pair()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # the kernel's default
        protocol = NoDelayProtocol.__new__(NoDelayProtocol)
        protocol.request, protocol.rbufsize, protocol.wbufsize = accepted, -1, 0
        protocol.setup()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for each in (accepted, client, listener):
            each.close()


def test_the_gateway_serves_with_that_protocol():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    try:
        server = JsonWebServer().get_wsgi_server(listener, lambda environ, start: [])
        assert server.protocol is NoDelayProtocol
    finally:
        listener.close()
