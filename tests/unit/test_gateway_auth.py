"""Tokens and the role/region policy of the gateway."""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from services.gateway import token_registry, tokens
from services.gateway.auth import (
    AUDIT,
    INTAKE,
    OPERATE,
    REPORT,
    STAFF,
    Principal,
    authenticate,
    authorize,
    check_region,
    check_visible,
    report_protection,
    scoped,
    scoped_regions,
)
from services.gateway.errors import Forbidden, Unauthorized
from shared.errors import NotFound, ValidationFailed


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LGV_SECRET", "unit-test-secret-" + "s" * 32)


def bearer(role: str, *regions: str, name: str = "ann", **kwargs: object) -> dict[str, str]:
    return {"Authorization": "Bearer " + token_registry.issue(role, regions, name, **kwargs)}  # type: ignore[arg-type]


def test_issued_token_carries_the_documented_claims() -> None:
    claims = tokens.verify(token_registry.issue("consultant", ["syddanmark"], name="ann"))
    assert claims["sub"] == "ann" and claims["role"] == "consultant"
    assert claims["regions"] == ["syddanmark"]
    assert {"iat", "exp", "jti"} <= claims.keys()


def test_consultant_token_without_region_is_refused_at_issue() -> None:
    with pytest.raises(ValueError):
        token_registry.issue("consultant", [], "ann")


def test_unknown_role_is_refused_at_issue() -> None:
    with pytest.raises(ValueError):
        token_registry.issue("admin", name="ann")


def test_secret_file_is_created_private_and_reused(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("LGV_SECRET")
    monkeypatch.delenv("LGV_SECRET_FILE", raising=False)
    monkeypatch.setenv("LGV_VAR_DIR", str(tmp_path))
    first = tokens.signing_key()
    assert tokens.signing_key() == first and len(first) == 64
    assert os.stat(tmp_path / "secret.key").st_mode & 0o777 == 0o600


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic abc", "Bearer not-a-jwt"])
def test_missing_or_malformed_token_is_unauthorized(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        authenticate(header)


def test_expired_token_is_unauthorized() -> None:
    old = datetime.now(UTC) - timedelta(days=10)
    with pytest.raises(Unauthorized):
        authenticate("Bearer " + token_registry.issue("coordinator", name="ann", lifetime=timedelta(days=1), now=old))


def test_token_signed_with_another_key_is_unauthorized() -> None:
    forged = jwt.encode({"sub": "x", "role": "coordinator", "regions": [], "iat": 1, "exp": 2**40, "jti": "j"},
                        "another-key-" + "k" * 32, algorithm="HS256")
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {forged}")


@pytest.mark.parametrize("role, allowed", [
    ("coordinator", {STAFF, REPORT, INTAKE, AUDIT, OPERATE}),
    ("consultant", {STAFF, REPORT, INTAKE}),
    ("auditor", {REPORT, AUDIT}),
    ("system", {INTAKE}),
])
def test_roles_reach_only_their_routes(role: str, allowed: set[frozenset[str]]) -> None:
    headers = bearer(role, "hovedstaden") if role == "consultant" else bearer(role)
    for group in (STAFF, REPORT, INTAKE, AUDIT, OPERATE):
        if group in allowed:
            assert authorize(headers, group).role == role
        else:
            with pytest.raises(Forbidden):
                authorize(headers, group)


def test_actor_and_personal_follow_the_role() -> None:
    consultant = authorize(bearer("consultant", "hovedstaden", name="ann"), STAFF)
    system = authorize(bearer("system", name="CTP"), INTAKE)
    auditor = authorize(bearer("auditor"), REPORT)
    assert consultant.actor == {"kind": "consultant", "id": "ann", "role": "consultant"} and consultant.sees_personal
    assert system.actor == {"kind": "system", "id": "CTP", "role": "system"}
    assert not auditor.sees_personal


def test_consultant_lists_are_narrowed_to_its_regions() -> None:
    who = authorize(bearer("consultant", "hovedstaden", "syddanmark"), STAFF)
    assert scoped(who, {"status": "waiting"}) == {"status": "waiting", "regions": ["hovedstaden", "syddanmark"]}
    assert scoped(who, {"region": "syddanmark"}) == {"region": "syddanmark"}
    with pytest.raises(Forbidden):
        scoped(who, {"region": "nordjylland"})


def test_coordinator_lists_are_not_narrowed() -> None:
    who = authorize(bearer("coordinator"), STAFF)
    assert scoped(who, {"region": "nordjylland"}) == {"region": "nordjylland"}
    assert scoped_regions(who, None) is None


def test_consultant_may_not_touch_another_region() -> None:
    who = authorize(bearer("consultant", "hovedstaden"), STAFF)
    check_region(who, "hovedstaden")
    assert scoped_regions(who, None) == ["hovedstaden"]
    with pytest.raises(Forbidden):
        check_region(who, "syddanmark")
    with pytest.raises(Forbidden):
        scoped_regions(who, "syddanmark")


def test_another_regions_object_is_answered_as_absent() -> None:
    who = authorize(bearer("consultant", "hovedstaden"), STAFF)
    check_visible(who, "hovedstaden", "no referral r1")
    with pytest.raises(NotFound) as caught:
        check_visible(who, "syddanmark", "no referral r1")
    assert str(caught.value) == "no referral r1"
    check_visible(authorize(bearer("coordinator"), STAFF), "syddanmark", "no referral r1")


@pytest.mark.parametrize("role,regions", [("consultant", ("hovedstaden",)), ("auditor", ())])
def test_a_suppress_below_under_five_from_anyone_but_a_coordinator_is_a_bad_value(
        role: str, regions: tuple[str, ...]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        report_protection(Principal("ann", role, regions), 4)
    bound = f"must be at least 5 for a {role} (only a coordinator may ask for less)"
    assert exc.value.fields == {"suppress_below": [bound]}
    assert report_protection(Principal("ann", role, regions), 5) == (5, 5)
    assert report_protection(Principal("ann", "coordinator", ()), 0) == (0, None)
