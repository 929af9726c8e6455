"""CPU time used by the processes behind a figure, read from /proc: steadier than wall time.

On a shared two-core machine the wall-clock figures swing with whatever else runs; what
each process spent per event does not, so it is what compares one change with another.
"""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

_TICKS = os.sysconf("SC_CLK_TCK")


def seconds(pid: int) -> float:
    """User and system CPU seconds the process has used so far (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def others(name: str) -> list[int]:
    """The pids of processes whose command line holds ``name`` (the broker, PostgreSQL's backends)."""
    found = subprocess.run(["pgrep", "-f", name], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


@contextmanager
def spent(groups: dict[str, list[int]]) -> Iterator[dict[str, float]]:
    """Fills the dict it yields with each group's CPU seconds spent inside the block."""
    before = {name: sum(seconds(pid) for pid in pids) for name, pids in groups.items()}
    used: dict[str, float] = {}
    yield used
    for name, pids in groups.items():
        used[name] = sum(seconds(pid) for pid in pids) - before[name]
