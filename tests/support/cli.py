"""Run the ``lgv`` CLI as an operator would, against the checkout under test."""
from __future__ import annotations

import subprocess
import sys

# ``-m`` so the CLI imports this checkout, whatever the venv was installed from.
LGV = [sys.executable, "-m", "cli.main"]


def lgv(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run ``lgv ARGS``; fail the test with its stderr if it fails; return its stdout."""
    done = subprocess.run([*LGV, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout


def lgv_status(env: dict[str, str], *args: str, timeout: float = 120) -> tuple[int, str]:
    """Run ``lgv ARGS`` and return its exit code and stdout, whatever they are."""
    done = subprocess.run([*LGV, *args], env=env, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr
