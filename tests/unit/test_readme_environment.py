"""Every environment variable the code reads is in a README table, and every row is read."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("REFERRALS", "MATCHING", "FOLLOWUP")
PYTHON = ("shared", "services", "cli", "deploy", "tests", "scripts")
CONFIGS = ("deploy", ".ci")
# os.environ.get("X"), os.environ["X"], os.environ.setdefault("X"), os.getenv("X"),
# also through a constant (ENV = "X"; os.environ.get(ENV)) and f"{service.upper()}_X",
# and a mapping passed in for os.environ named ``environment`` (environment.get("X")).
PY_READ = re.compile(r"""(?:os\.(?:environ(?:\.get|\.setdefault|\.pop)?\s*[(\[]|getenv\()"""
                     r"""|\benvironment\.get\((?=\s*f?["']))\s*(f?["'][^"']+["']|[A-Z_]+)""")
SHELL_READ = re.compile(r"\$\{([A-Z][A-Z0-9_]*):?-")  # ${X:-default}: read from the environment
NAMEKO_READ = re.compile(r"\$\{([A-Z][A-Z0-9_]*)[:}]")  # nameko's ${X:default} in config YAML
ROW = re.compile(r"^\| `([A-Z<][A-Z0-9_<>]*)`", re.MULTILINE)


def _python_names() -> set[str]:
    names = set()
    for folder in PYTHON:
        for path in (ROOT / folder).rglob("*.py"):
            if path.resolve() == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8")
            for token in PY_READ.findall(text):
                names.add(_resolve(token, text, path))
    return names


def _resolve(token: str, text: str, path: Path) -> str:
    if token[0] in "f\"'":
        literal = token.lstrip("f")[1:-1]
        return re.sub(r"\{[^}]*\}", "<SERVICE>", literal)
    constant = re.search(rf"^\s*{token}\s*=\s*[\"']([A-Z0-9_]+)[\"']", text, re.MULTILINE)
    assert constant, f"{path}: cannot tell which variable {token} names"
    return constant.group(1)


def _config_names() -> set[str]:
    names = set()
    for folder in CONFIGS:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".yml", ".yaml"):
                lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
                names.update(NAMEKO_READ.findall("\n".join(lines)))
            elif path.suffix == ".sh" or path.name == "run" and path.parent.name == ".ci":
                names.update(SHELL_READ.findall(path.read_text()))
    return names


def _documented() -> set[str]:
    return set(ROW.findall((ROOT / "README.md").read_text(encoding="utf-8")))


def _expanded(names: set[str]) -> set[str]:
    """``<SERVICE>_X`` stands for REFERRALS_X, MATCHING_X and FOLLOWUP_X."""
    return names | {name.replace("<SERVICE>", service) for name in names if name.startswith("<SERVICE>")
                    for service in SERVICES}


def test_every_variable_the_code_reads_is_documented() -> None:
    read = _python_names() | _config_names()
    generic = {name for name in read if name.startswith("<SERVICE>")}
    missing = (read - generic - _expanded(_documented())) | (generic - _documented())
    assert not missing, f"read by the code but not in a README table: {sorted(missing)}"


def test_every_documented_variable_is_read_somewhere() -> None:
    read = _python_names() | _config_names()
    stale = {name for name in _documented() if not _expanded({name}) & read}
    assert not stale, f"in a README table but read nowhere: {sorted(stale)}"


def test_the_finder_sees_each_way_of_reading() -> None:
    read = _python_names() | _config_names()
    assert {"AMQP_URI", "<SERVICE>_DATABASE_URL", "LGV_FOLLOWUP_POLICY_FILE", "LOG_FORMAT",
            "LGV_PG_TEST_DB", "GATEWAY_MAX_WORKERS"} <= read
