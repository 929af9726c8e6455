"""Tokens name a person, live a bounded time, can be listed and revoked; the key is long enough."""
from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
import yaml
from click.testing import CliRunner

from cli.token import token as token_cli
from services.gateway import database, token_registry, tokens
from services.gateway.auth import authenticate
from services.gateway.errors import Unauthorized
from services.gateway.json_server import JsonWebServer
from shared.config import REPO_ROOT
from shared.errors import NotFound
from tests.support.waiting import wait_for

KEY = "unit-test-secret-" + "s" * 32


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_SECRET", KEY)


def lifetime_of(token: str) -> timedelta:
    claims = tokens.verify(token)
    return timedelta(seconds=claims["exp"] - claims["iat"])


@pytest.mark.parametrize("name", [None, "", "   "])
def test_a_token_must_name_its_bearer(name: str | None) -> None:
    with pytest.raises(ValueError, match="--name"):
        token_registry.issue("coordinator", name=name)


@pytest.mark.parametrize("name", ["a" * 201, "Ann\x00", "Ann\nBob"])
def test_a_name_no_event_could_carry_as_its_actor_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="--name may be at most 200 characters"):
        token_registry.issue("coordinator", name=name)


def test_a_name_of_200_characters_is_accepted() -> None:
    assert tokens.verify(token_registry.issue("coordinator", name="a" * 200))["sub"] == "a" * 200


@pytest.mark.parametrize("role, regions, hours", [
    ("consultant", ["hovedstaden"], 12), ("coordinator", [], 12), ("auditor", [], 12), ("system", [], 30 * 24),
])
def test_lifetime_defaults_by_role(role: str, regions: list[str], hours: int) -> None:
    assert lifetime_of(token_registry.issue(role, regions, "ann")) == timedelta(hours=hours)


@pytest.mark.parametrize("lifetime", [timedelta(days=30, seconds=1), timedelta(days=365), timedelta(0)])
def test_a_lifetime_beyond_thirty_days_or_of_nothing_is_refused_at_issue(lifetime: timedelta) -> None:
    with pytest.raises(ValueError, match="30 days"):
        token_registry.issue("coordinator", name="ann", lifetime=lifetime)


def test_a_token_signed_to_live_longer_than_thirty_days_is_unauthorized() -> None:
    now = int(datetime.now(UTC).timestamp())
    long_lived = jwt.encode({"sub": "ann", "role": "coordinator", "regions": [], "iat": now,
                             "exp": now + 31 * 86400, "jti": "j-1"}, KEY, algorithm="HS256")
    with pytest.raises(Unauthorized, match="longer than 30 days"):
        authenticate(f"Bearer {long_lived}")


def test_a_revoked_token_is_unauthorized_and_others_still_work() -> None:
    revoked, record = tokens.mint("consultant", ["hovedstaden"], "ann")
    kept = token_registry.issue("consultant", ["hovedstaden"], "bo")
    token_registry.record(record)
    assert authenticate(f"Bearer {revoked}").name == "ann"

    token_registry.revoke(record.token_id)

    with pytest.raises(Unauthorized, match="revoked"):
        authenticate(f"Bearer {revoked}")
    assert authenticate(f"Bearer {kept}").name == "bo"


def test_a_token_accepted_before_expires_on_time() -> None:
    # Issued so that it has two seconds left: accepted now (its checked claims are kept),
    # then refused once its time is up, kept or not.
    lifetime = timedelta(hours=1)
    token = token_registry.issue("coordinator", (), "ann", lifetime,
                                 now=datetime.now(UTC) - lifetime + timedelta(seconds=2))
    assert authenticate(f"Bearer {token}").name == "ann"

    def refused() -> bool:
        try:
            authenticate(f"Bearer {token}")
        except Unauthorized as exc:
            return "expired" in str(exc)
        return False

    wait_for(refused, timeout=10, interval=0.1, what="the token to expire")


def test_a_well_signed_token_never_recorded_is_unauthorized() -> None:
    unrecorded, _ = tokens.mint("coordinator", [], "eve")
    with pytest.raises(Unauthorized, match="not issued here"):
        authenticate(f"Bearer {unrecorded}")


def test_revoking_an_unknown_token_is_not_found() -> None:
    with pytest.raises(NotFound):
        token_registry.revoke("no-such-token")


def test_list_shows_live_tokens_with_their_revocation_never_the_token() -> None:
    now = datetime.now(UTC)
    _, old = tokens.mint("auditor", [], "old", timedelta(hours=1), now=now - timedelta(hours=2))
    _, live = tokens.mint("consultant", ["syddanmark"], "ann", now=now)
    for record in (old, live):
        token_registry.record(record)
    token_registry.revoke(live.token_id, now=now)

    listed = token_registry.listed()

    assert [(t.token_id, t.name, t.regions) for t in listed] == [(live.token_id, "ann", ("syddanmark",))]
    assert listed[0].revoked_at == now
    assert {t.name for t in token_registry.listed(include_expired=True)} == {"old", "ann"}


@pytest.mark.parametrize("key", ["short", "x" * 31, "ø" * 15])
def test_a_signing_key_under_32_bytes_is_refused(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("LGV_SECRET", key)
    with pytest.raises(tokens.WeakSigningKey, match="at least 32"):
        token_registry.issue("coordinator", name="ann")


def test_a_short_key_file_is_refused_naming_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LGV_SECRET")
    key_file = tmp_path / "elsewhere.key"
    key_file.write_text("tiny\n")
    monkeypatch.setenv("LGV_SECRET_FILE", str(key_file))
    with pytest.raises(tokens.WeakSigningKey, match=str(key_file)):
        tokens.signing_key()


def test_the_key_file_may_live_outside_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LGV_SECRET")
    monkeypatch.setenv("LGV_SECRET_FILE", str(tmp_path / "gateway-only" / "secret.key"))
    (tmp_path / "gateway-only").mkdir()
    key = tokens.signing_key()
    assert len(key) == 64 and (tmp_path / "gateway-only" / "secret.key").read_text() == key


def test_the_gateway_database_file_is_private(gateway_database: str) -> None:
    database.engine()
    path = gateway_database.removeprefix("sqlite:///")
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_subject_of_names_the_bearer_of_an_expired_token_but_not_of_a_forged_one() -> None:
    expired = token_registry.issue("coordinator", name="ann", lifetime=timedelta(hours=1),
                           now=datetime.now(UTC) - timedelta(days=2))
    forged = jwt.encode({"sub": "mallory"}, "another-key-" + "k" * 32, algorithm="HS256")
    assert tokens.subject_of(expired) == "ann"
    assert tokens.subject_of(forged) is None


def test_cli_issues_lists_and_revokes() -> None:
    runner = CliRunner()
    issued = runner.invoke(token_cli, ["issue", "--role", "consultant", "--region", "hovedstaden",
                                       "--name", "Ann Consultant"])
    assert issued.exit_code == 0, issued.output
    signed = issued.output.strip()
    token_id = tokens.verify(signed)["jti"]

    listing = runner.invoke(token_cli, ["list"])
    assert token_id in listing.output and "Ann Consultant" in listing.output and signed not in listing.output

    revoked = runner.invoke(token_cli, ["revoke", token_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {signed}")


def test_a_token_is_active_until_it_expires_or_is_revoked() -> None:
    now = datetime(2023, 6, 1, 12, tzinfo=UTC)
    issued = tokens.IssuedToken("t-1", "ann", "coordinator", (), now - timedelta(hours=1),
                                expires_at=now + timedelta(hours=1))

    assert issued.status(now) is tokens.TokenStatus.ACTIVE
    assert issued.status(now + timedelta(hours=1)) is tokens.TokenStatus.EXPIRED
    assert replace(issued, revoked_at=now).status(now) is tokens.TokenStatus.REVOKED


def test_cli_lists_each_tokens_status() -> None:
    runner = CliRunner()
    kept = token_registry.issue("coordinator", name="kept")
    gone = token_registry.issue("coordinator", name="gone")
    runner.invoke(token_cli, ["revoke", tokens.verify(gone)["jti"]])

    lines = runner.invoke(token_cli, ["list"]).output.splitlines()

    assert [line.split("  ")[-1] for line in lines if "  kept  " in line] == ["active"]
    [revoked] = [line.split("  ")[-1] for line in lines if "  gone  " in line]
    assert revoked.startswith("revoked ") and kept != gone


@pytest.mark.parametrize("args", [
    ["issue", "--role", "coordinator"],
    ["issue", "--role", "coordinator", "--name", "ann", "--days", "31"],
    ["issue", "--role", "coordinator", "--name", "ann", "--days", "1", "--hours", "2"],
    ["revoke", "nope"],
])
def test_cli_refuses_what_the_rules_refuse(args: list[str]) -> None:
    result = CliRunner().invoke(token_cli, args)
    assert result.exit_code != 0 and result.output


def test_in_compose_the_signing_key_is_on_a_volume_only_the_gateway_mounts() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    gateway = services["gateway"]
    key_dir = str(Path(gateway["environment"]["LGV_SECRET_FILE"]).parent)
    database_file = gateway["environment"]["GATEWAY_DATABASE_URL"].removeprefix("sqlite:///")
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in gateway["volumes"]}
    private = mounts[key_dir]
    assert str(Path(database_file).parent) == key_dir
    for name, service in services.items():
        if name != "gateway":
            assert all(not volume.startswith(f"{private}:") for volume in service.get("volumes", [])), name
            assert "LGV_SECRET" not in service.get("environment", {}), name


def test_the_gateway_refuses_to_start_with_a_short_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_SECRET", "too-short")
    with pytest.raises(tokens.WeakSigningKey, match="at least 32"):
        JsonWebServer().start()


def test_the_cli_refuses_a_short_key_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_SECRET", "too-short")
    result = CliRunner().invoke(token_cli, ["issue", "--role", "coordinator", "--name", "ann"])
    assert result.exit_code == 2 and "at least 32" in result.output


def test_the_sign_in_link_uses_the_public_url_when_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_ADDRESS", "0.0.0.0:8000")
    monkeypatch.setenv("LGV_PUBLIC_URL", "https://lgv.example.org/")
    link = CliRunner().invoke(token_cli, ["issue", "--role", "coordinator", "--name", "ann", "--link"]).output
    assert link.startswith("https://lgv.example.org/#token=")
    monkeypatch.delenv("LGV_PUBLIC_URL")
    link = CliRunner().invoke(token_cli, ["issue", "--role", "coordinator", "--name", "ann", "--link"]).output
    assert link.startswith("http://0.0.0.0:8000/#token=")
