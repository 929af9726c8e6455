"""py-amqp's socket reads, a few KiB at a time instead of the exact bytes each step of a frame needs.

py-amqp reads a frame as three ``recv`` calls (its 7-byte header, the payload, the end
byte), so a message (method, header and body frames) costs nine, each through eventlet's
green socket; a single read through the gateway took 15 of them in the gateway and 10 in
referrals. Here a ``recv`` asks for up to ``READ_AHEAD`` bytes and keeps what it got
beyond the frame in py-amqp's own read buffer, where the next read finds it; what a call
returns, and what a timeout leaves buffered for the next one, is as before.

Nothing in these services asks the socket whether it is readable before reading (kombu's
consumers and publisher confirms read through ``drain_events``), which is where bytes
kept in the buffer could go unnoticed; TLS connections keep py-amqp's own reads.
"""
from __future__ import annotations

import errno
import socket
from typing import Any

from amqp.transport import TCPTransport

# Enough for a reply or an event, small enough that slicing the rest off after each step
# of a frame stays cheap (py-amqp keeps the buffer as bytes).
READ_AHEAD = 4096
_RETRIED = (errno.EAGAIN, errno.EINTR)
PY_AMQP_READ = TCPTransport._read  # its own, exact reads (the tests compare the two)


def _read(self: Any, n: int, initial: bool = False) -> bytes:
    """``n`` bytes, as ``TCPTransport._read``, reading ahead up to ``READ_AHEAD``."""
    recv = self._quick_recv
    buffered = self._read_buffer
    try:
        while len(buffered) < n:
            try:
                got = recv(max(n - len(buffered), READ_AHEAD))
            except OSError as exc:
                if exc.errno in _RETRIED:
                    if initial and self.raise_on_initial_eintr:
                        raise socket.timeout() from None
                    continue
                raise
            if not got:
                raise OSError("Server unexpectedly closed connection")
            buffered += got
    except BaseException:
        self._read_buffer = buffered
        raise
    result, self._read_buffer = buffered[:n], buffered[n:]
    return result


def install() -> None:
    """Have every plain-TCP py-amqp connection of this process read ahead."""
    TCPTransport._read = _read
