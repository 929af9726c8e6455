"""docker compose on a fresh clone: every variable it requires is in .env.example, and make env fills them."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _required() -> set[str]:
    return set(re.findall(r"\$\{([A-Z_]+):\?", (ROOT / "docker-compose.yml").read_text()))


def _values(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_every_variable_compose_requires_is_in_the_example_env_file() -> None:
    assert _required() and _required() == set(_values((ROOT / ".env.example").read_text()))


def test_make_env_gives_each_a_fresh_password_and_keeps_an_existing_env(tmp_path: Path) -> None:
    for name in ("Makefile", ".env.example"):
        shutil.copy(ROOT / name, tmp_path / name)
    subprocess.run(["make", "-s", "env"], cwd=tmp_path, check=True, capture_output=True)
    first = (tmp_path / ".env").read_text()
    values = _values(first)
    assert set(values) == _required() and all(len(v) >= 24 for v in values.values())
    assert len(set(values.values())) == len(values)
    assert (tmp_path / ".env").stat().st_mode & 0o077 == 0
    subprocess.run(["make", "-s", "env"], cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / ".env").read_text() == first
