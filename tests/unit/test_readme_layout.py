"""The README's layout names each service's modules, and only modules that exist."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE_LINE = re.compile(r"^services/(\w+)/")
MODULE = re.compile(r"\b(\w+)\.py\b")


def _layout_block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```")[1].splitlines()


def named_in_layout() -> dict[str, set[str]]:
    """Service -> the module names its lines in the layout block give."""
    named: dict[str, set[str]] = {}
    service = None
    for line in _layout_block():
        found = SERVICE_LINE.match(line)
        if found:
            service = found.group(1)
        elif not line.startswith(" "):
            service = None
        if service is not None:
            named.setdefault(service, set()).update(MODULE.findall(line))
    return named


def existing() -> dict[str, set[str]]:
    """Service -> its modules, and those of its packages (``reporting/``), without ``__init__``."""
    return {folder.name: {path.stem for path in folder.glob("*.py")} - {"__init__"} | _packaged(folder)
            for folder in sorted((ROOT / "services").iterdir()) if (folder / "__init__.py").exists()}


def _packaged(folder: Path) -> set[str]:
    return {path.stem for package in folder.iterdir() if (package / "__init__.py").exists()
            for path in package.glob("*.py")} - {"__init__"}


def test_the_layout_names_every_module_of_every_service_and_no_other() -> None:
    assert named_in_layout() == existing()


def test_the_layout_is_read_by_service() -> None:
    named = named_in_layout()
    assert {"service", "domain", "rules"} <= named["matching"] and "rules" not in named["referrals"]
