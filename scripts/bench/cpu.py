"""CPU time used by the processes behind a figure, read from /proc: steadier than wall time.

On a shared two-core machine the wall-clock figures swing with whatever else runs; what
each process spent per event does not, so it is what compares one change with another.
"""
from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

_TICKS = os.sysconf("SC_CLK_TCK")


def seconds(pid: int) -> float | None:
    """User and system CPU seconds the process has used so far (None once it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


def matching(pattern: str) -> Callable[[], list[int]]:
    """The pids, when called, of processes whose command line matches ``pattern``."""
    def pids() -> list[int]:
        found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
        return [int(pid) for pid in found]
    return pids


def each(processes: Mapping[str, subprocess.Popen[bytes]]) -> dict[str, Callable[[], list[int]]]:
    """A group of its own for each started process, by name."""
    return {name: (lambda pid=process.pid: [pid]) for name, process in processes.items()}


def broker() -> dict[str, Callable[[], list[int]]]:
    """RabbitMQ's group: the whole server's, so anything else using it meanwhile counts too."""
    return {"broker": matching("beam.smp")}


@contextmanager
def spent(groups: dict[str, Callable[[], list[int]]]) -> Iterator[dict[str, float]]:
    """Fills the dict it yields with each group's CPU seconds spent inside the block.

    A group's processes are looked for at both ends: one that started inside counts whole,
    one that ended inside counts nothing (its last figures are gone), so a pool that opens
    or closes a PostgreSQL backend meanwhile makes the figure low, never negative.
    """
    before = {name: _each(find()) for name, find in groups.items()}
    used: dict[str, float] = {}
    yield used
    for name, find in groups.items():
        after = _each(find())
        used[name] = sum(cpu - before[name].get(pid, 0.0) for pid, cpu in after.items())


def _each(pids: list[int]) -> dict[int, float]:
    return {pid: cpu for pid in pids if (cpu := seconds(pid)) is not None}
