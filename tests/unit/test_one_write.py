"""``publishing.one_write``: a batch's frames reach the socket in one write, whole and in order."""
from __future__ import annotations

import pytest

from shared import publishing


class _Transport:
    """py-amqp's transport as ``one_write`` meets it: ``write`` goes through ``_write``."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def _write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def write(self, data: bytes) -> None:
        self._write(data)


class _Broker:
    def __init__(self) -> None:
        self.connection = type("AmqpConnection", (), {"transport": _Transport()})()


def _frames_through(transport: _Transport, frames: list[bytes]) -> None:
    buffer = bytearray(8)  # py-amqp writes each frame from one buffer it reuses
    for frame in frames:
        buffer[:len(frame)] = frame
        transport.write(memoryview(buffer)[:len(frame)])


def test_the_frames_written_inside_go_in_one_write_in_order_at_the_end():
    broker = _Broker()
    transport = broker.connection.transport
    with publishing.one_write(broker):  # type: ignore[arg-type]
        _frames_through(transport, [b"first", b"second", b"third"])
        assert transport.writes == []
    assert transport.writes == [b"firstsecondthird"]


def test_after_a_failure_nothing_of_the_batch_is_written_and_later_writes_go_straight():
    broker = _Broker()
    transport = broker.connection.transport
    with pytest.raises(RuntimeError), publishing.one_write(broker):  # type: ignore[arg-type]
        _frames_through(transport, [b"one", b"two"])
        raise RuntimeError("the third message could not be built")
    transport.write(b"after")
    assert transport.writes == [b"after"]


def test_nothing_written_inside_writes_nothing():
    broker = _Broker()
    with publishing.one_write(broker):  # type: ignore[arg-type]
        pass
    assert broker.connection.transport.writes == []
