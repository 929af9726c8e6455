"""py-amqp's frames are read a few KiB at a time, and read as py-amqp reads them."""
from __future__ import annotations

import socket
import struct
from typing import Any

import pytest
from amqp.transport import TCPTransport

import services.gateway.rpc  # noqa: F401  # installs it, as shared.runtime.rpc does
from shared.runtime import amqp_reads


def frame(kind: int, payload: bytes, channel: int = 1) -> bytes:
    return struct.pack(">BHI", kind, channel, len(payload)) + payload + b"\xce"


# A delivered message as the broker sends it: method, content header and body frames.
MESSAGE = frame(1, b"\x00\x3c\x00\x3c" + b"m" * 40) + frame(2, b"h" * 60) + frame(3, b'{"result": 1}' * 50)
FRAMES = [(1, 1, b"\x00\x3c\x00\x3c" + b"m" * 40), (2, 1, b"h" * 60), (3, 1, b'{"result": 1}' * 50)]


class Peer:
    """The socket's side: hands out what the broker sent, at most ``step`` bytes a call."""

    def __init__(self, data: bytes, step: int = 1 << 20, timeout_after: int | None = None) -> None:
        self.data, self.step, self.timeout_after, self.calls = data, step, timeout_after, 0

    def recv(self, size: int) -> bytes:
        self.calls += 1
        if self.timeout_after is not None and self.calls > self.timeout_after:
            self.timeout_after = None
            raise socket.timeout()
        got, self.data = self.data[:min(size, self.step)], self.data[min(size, self.step):]
        return got


def transport(peer: Peer, read: Any = None) -> TCPTransport:
    made = TCPTransport.__new__(TCPTransport)
    made._read_buffer, made._quick_recv, made.raise_on_initial_eintr = b"", peer.recv, True
    made.connected = True
    if read is not None:
        made._read = read.__get__(made)  # type: ignore[method-assign]
    return made


def test_py_amqp_transports_read_through_it() -> None:
    assert TCPTransport._read is amqp_reads._read


def test_a_message_that_arrived_in_one_segment_is_read_with_one_recv() -> None:
    peer = Peer(MESSAGE * 2)
    reading = transport(peer)
    assert [reading.read_frame() for _ in range(6)] == FRAMES * 2
    assert peer.calls == 1
    own = Peer(MESSAGE * 2)
    assert [transport(own, amqp_reads.PY_AMQP_READ).read_frame() for _ in range(1)] == FRAMES[:1]
    assert own.calls == 3  # py-amqp's own: header, payload and end byte apart


@pytest.mark.parametrize("step", [1, 7, 8, 100, 4096])
def test_frames_however_the_bytes_arrive_are_the_frames_py_amqp_reads(step: int) -> None:
    ours, theirs = transport(Peer(MESSAGE * 3, step)), transport(Peer(MESSAGE * 3, step), amqp_reads.PY_AMQP_READ)
    assert [ours.read_frame() for _ in range(9)] == [theirs.read_frame() for _ in range(9)] == FRAMES * 3


@pytest.mark.parametrize("after", [1, 2, 5, 12])
def test_a_timeout_inside_a_frame_keeps_what_was_read_for_the_next_read(after: int) -> None:
    reading, read = transport(Peer(MESSAGE, step=30, timeout_after=after)), []
    with pytest.raises(socket.timeout):
        while True:
            read.append(reading.read_frame())
    read += [reading.read_frame() for _ in range(3 - len(read))]
    assert read == FRAMES


def test_a_closed_connection_is_an_error() -> None:
    with pytest.raises(OSError, match="closed connection"):
        transport(Peer(MESSAGE[:20])).read_frame()
