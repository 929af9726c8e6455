"""``shared.db.green_wait``: psycopg's ``timeout`` holds when the socket never answers; waits either way."""
from __future__ import annotations

import socket
import time
from collections.abc import Generator

import pytest
from psycopg import errors, waiting

from shared.db import green_wait


def _read_once(rounds: int = 1000) -> Generator[int, int, str]:
    """A psycopg-style generator: wait to read until told the socket is readable.

    A wait that never gives up would ask for ever; after ``rounds`` this says so.
    """
    for _ in range(rounds):
        if (yield waiting.WAIT_R) == waiting.READY_R:
            return "read"
    raise AssertionError(f"still waiting after {rounds} rounds: the deadline was not kept")


def test_a_socket_that_never_answers_ends_in_psycopgs_wait_timeout() -> None:
    quiet, _other = socket.socketpair()
    with quiet, _other:
        started = time.monotonic()
        with pytest.raises(errors._WaitTimeout):
            green_wait(_read_once(), quiet.fileno(), timeout=0.2)
        assert 0.2 <= time.monotonic() - started < 5


def test_a_socket_that_answers_before_the_deadline_finishes_the_wait() -> None:
    answering, other = socket.socketpair()
    with answering, other:
        other.send(b"x")
        assert green_wait(_read_once(), answering.fileno(), timeout=5) == "read"


def _either_way() -> Generator[int, int, int]:
    """A psycopg-style generator waiting once for either direction (a pipeline's), giving what it was told."""
    return (yield waiting.WAIT_RW)


def test_a_wait_either_way_answers_what_the_socket_can_do_now() -> None:
    near, far = socket.socketpair()
    with near, far:
        assert green_wait(_either_way(), near.fileno(), timeout=5) == waiting.READY_W
        far.send(b"x")
        assert green_wait(_either_way(), near.fileno(), timeout=5) == waiting.READY_RW
