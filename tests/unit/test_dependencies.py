"""The code's dependencies are declared, bounded, and pinned in constraints.txt."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = ("shared", "services", "cli", "deploy")
OWN = {"shared", "services", "cli", "deploy", "tests"}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported(folders: tuple[str, ...]) -> set[str]:
    found = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.add(node.module.split(".")[0])
    return found - OWN - set(sys.stdlib_module_names)


def _distributions(modules: set[str]) -> set[str]:
    owners = packages_distributions()
    return {owners[m][0].lower().replace("_", "-") for m in modules if m in owners}


def test_every_third_party_import_of_the_code_is_a_declared_runtime_dependency() -> None:
    declared = {_name(r) for r in _project()["dependencies"]}
    # nameko brings these along and they are used through it; the code imports them directly too.
    missing = _distributions(_imported(CODE)) - declared - {"greenlet"}
    assert not missing, f"imported but not in [project] dependencies: {sorted(missing)}"


def test_every_import_of_the_tests_is_declared() -> None:
    project = _project()
    declared = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    missing = _distributions(_imported(("tests", "scripts"))) - declared - {"greenlet"}
    assert not missing, f"imported by tests but not declared: {sorted(missing)}"


def test_every_dependency_has_an_upper_bound() -> None:
    project = _project()
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        assert "<" in requirement or "==" in requirement, f"{requirement} has no upper bound"


def test_every_declared_dependency_is_pinned_in_the_constraints_file() -> None:
    project = _project()
    pins = {_name(line): line.split("==", 1)[1] for line in
            (ROOT / "constraints.txt").read_text().splitlines() if "==" in line and not line.startswith("#")}
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        assert _name(requirement) in pins, f"{requirement} is not pinned in constraints.txt (make constraints)"


def test_the_build_backend_and_its_requirements_are_pinned_too() -> None:
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    pins = {_name(line) for line in (ROOT / "constraints.txt").read_text().splitlines()
            if "==" in line and not line.startswith("#")}
    for requirement in build:
        assert _name(requirement) in pins, f"{requirement} (build-system) is not pinned in constraints.txt"
        assert "<" in requirement or "==" in requirement, f"{requirement} (build-system) has no upper bound"
