"""schemathesis over ``/openapi.json``: every check, every operation, a bounded run.

The gateway's real WSGI app is served over HTTP in this process (eventlet, as under
``nameko run``) over in-memory services (``tests/support/gateway_fakes.py``), and
``schemathesis run`` fuzzes it from the document alone, as an integrator would.

What the run is told beyond the document, and why (nothing else is configured):

- ``query.cursor``: a cursor is opaque; only one the API issued is valid (anything else
  is 400, as documented), so a cursor of each kind (offset, audit position, access-log
  key) is supplied as test data; so is the name of one of the web page's files.
- 422 counts as an acceptable answer to schema-valid data: it is "a programme rule says
  no" (documented on every POST), e.g. an ``Idempotency-Key`` sent again with another body.
- ``tests/support/schemathesis_hooks.py`` maps generated data for the rules JSON Schema
  cannot state (each explained there).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import eventlet
import eventlet.wsgi
import pytest

from services.gateway import token_registry
from services.gateway.endpoints import endpoints_of
from services.gateway.service import GatewayService
from shared import access_log
from shared.config import REPO_ROOT
from shared.paging import encode_cursor, encode_position
from tests.support.gateway_app import gateway_app
from tests.support.gateway_fakes import FakeService

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = 10  # per operation and phase; the whole run takes about a minute on two busy cores
CONFIG = """
[cache]
enabled = false

[parameters]
"query.cursor" = "{offset}"

[[operations]]
include-path = "/api/v1/audit/subjects/{{subject_id}}"
parameters = {{ "query.cursor" = "{position}" }}

[[operations]]
include-path = "/api/v1/audit/access"
parameters = {{ "query.cursor" = "{key}" }}

[[operations]]
include-path = "/assets/{{name}}"
parameters = {{ "path.name" = "js/app.js" }}

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
"""


def cursors() -> dict[str, str]:
    """A cursor the API could have issued, of each kind it issues."""
    entry = FakeService().access_log({}, 1)["items"][0]
    return {"offset": encode_cursor(0), "position": encode_position(datetime(2023, 1, 10, tzinfo=UTC), "e-1"),
            "key": access_log.merge([[entry, {**entry, "seq": 2}]], 1)["next_cursor"]}


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The gateway's address; its own database (tokens, idempotency keys) under ``tmp_path``."""
    (tmp_path / "var").mkdir()
    monkeypatch.setenv("LGV_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    sock = eventlet.listen(("127.0.0.1", 0))
    server = eventlet.spawn(eventlet.wsgi.server, sock, gateway_app(), log_output=False)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.kill()
    sock.close()


def test_schemathesis_finds_no_failure_and_no_rejected_data_in_any_operation(served: str, tmp_path: Path) -> None:
    config, report, output = tmp_path / "schemathesis.toml", tmp_path / "report.json", tmp_path / "output.txt"
    config.write_text(CONFIG.format(**cursors()))
    token = token_registry.issue("coordinator", [], name="schemathesis")
    command = [str(SCHEMATHESIS), "--config-file", str(config), "run", f"{served}/openapi.json",
               "-H", f"Authorization: Bearer {token}", "--checks", "all", "--max-examples", str(EXAMPLES),
               "--workers", "1", "--seed", "1", "--report", "json", "--report-json-path", str(report)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks", "NO_COLOR": "1"}
    with output.open("w") as out:  # a file, not a pipe: the server runs in this process meanwhile
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        process.wait(timeout=600)
    text = output.read_text()
    found = json.loads(report.read_text())
    assert found["complete"] and found["errors"] == [], text
    # Every operation but the document itself, which schemathesis leaves out.
    assert found["operations"]["tested"] == len(endpoints_of(GatewayService)) - 1, text
    assert found["failures"] == [], text  # not_a_server_error among them: no 500 anywhere
    raised = {kind: where for kind, where in found["warnings"].items() if where}
    assert raised == {}, text  # validation_mismatch: "mostly rejected generated data"
    assert process.returncode == 0, text
