"""Local identity: tokens signed with a secret generated once into the data directory."""

from __future__ import annotations

import base64
import json
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from boomi_promo.config import GroupSettings, IdentityMode, Settings
from boomi_promo.identity import build_verifier
from boomi_promo.identity.local import (
    LOCAL_AUDIENCE,
    LOCAL_IDENTITY_KEY_FILE,
    SESSION_KEY_FILE,
    LocalIdentity,
    demo_users,
    load_or_create_session_secret,
)
from boomi_promo.identity.oidc import OidcVerifier
from boomi_promo.identity.principal import Tier
from boomi_promo.identity.verification import AuthenticationError

CONTRIBUTOR_TEAM_A = ["ABC_BOOMI_FLOW_CONTRIBUTOR", "ABC_BOOMI_FLOW_DEVTEAMA"]


async def test_an_issued_token_verifies_to_the_same_person(tmp_path: Path) -> None:
    identity = LocalIdentity(tmp_path)
    token = identity.issue_token("alice@example.com", "Alice Adams", CONTRIBUTOR_TEAM_A)

    principal = await identity.verify(token)

    assert principal.email == "alice@example.com"
    assert principal.name == "Alice Adams"
    assert principal.groups == tuple(CONTRIBUTOR_TEAM_A)
    assert principal.tier is Tier.CONTRIBUTOR


async def test_the_token_carries_the_standard_claims(tmp_path: Path) -> None:
    token = LocalIdentity(tmp_path, issuer="test-issuer").issue_token(
        "carol@example.com", "Carol Clark", ["ABC_BOOMI_FLOW_ADMIN"], ttl_seconds=600
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert claims["iss"] == "test-issuer"
    assert claims["aud"] == LOCAL_AUDIENCE
    assert claims["sub"] == claims["email"] == "carol@example.com"
    assert claims["name"] == "Carol Clark"
    assert claims["groups"] == ["ABC_BOOMI_FLOW_ADMIN"]
    assert claims["exp"] - claims["iat"] == 600


async def test_tiers_use_the_configured_group_names(tmp_path: Path) -> None:
    identity = LocalIdentity(tmp_path, groups=GroupSettings(admin="ops", contributor="devs"))
    admin = await identity.verify(identity.issue_token("carol@example.com", "Carol", ["ops"]))
    default_admin = await identity.verify(
        identity.issue_token("erin@example.com", "Erin", ["ABC_BOOMI_FLOW_ADMIN"])
    )
    assert admin.tier is Tier.ADMIN
    assert default_admin.tier is Tier.READONLY


async def test_an_expired_token_is_refused(tmp_path: Path) -> None:
    identity = LocalIdentity(tmp_path)
    secret = (tmp_path / LOCAL_IDENTITY_KEY_FILE).read_bytes().strip()
    past = datetime.now(UTC) - timedelta(hours=13)
    token = jwt.encode(
        {
            "iss": "boomi-promo-local",
            "aud": LOCAL_AUDIENCE,
            "sub": "alice@example.com",
            "email": "alice@example.com",
            "iat": past,
            "exp": past + timedelta(hours=12),
        },
        secret,
        algorithm="HS256",
    )
    with pytest.raises(AuthenticationError, match="expired"):
        await identity.verify(token)


def _with_payload(token: str, **changes: object) -> str:
    """The token with its claims changed but its original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_a_token_with_edited_claims_is_refused(tmp_path: Path) -> None:
    identity = LocalIdentity(tmp_path)
    token = identity.issue_token("alice@example.com", "Alice Adams", CONTRIBUTOR_TEAM_A)
    forged = _with_payload(token, groups=["ABC_BOOMI_FLOW_ADMIN"])

    with pytest.raises(AuthenticationError) as refused:
        await identity.verify(forged)
    assert forged not in refused.value.message
    assert "ABC_BOOMI_FLOW_ADMIN" not in refused.value.message


async def test_a_token_from_another_installation_is_refused(tmp_path: Path) -> None:
    other = LocalIdentity(tmp_path / "other").issue_token("bob@example.com", "Bob", [])
    with pytest.raises(AuthenticationError):
        await LocalIdentity(tmp_path / "mine").verify(other)


async def test_a_token_from_another_issuer_is_refused(tmp_path: Path) -> None:
    token = LocalIdentity(tmp_path, issuer="elsewhere").issue_token("bob@example.com", "Bob", [])
    with pytest.raises(AuthenticationError):
        await LocalIdentity(tmp_path).verify(token)


@pytest.mark.parametrize("token", ["", "   ", "not-a-jwt", "a.b.c"])
async def test_missing_or_garbled_tokens_are_refused(tmp_path: Path, token: str) -> None:
    with pytest.raises(AuthenticationError):
        await LocalIdentity(tmp_path).verify(token)


def test_issuing_needs_an_email_and_a_positive_lifetime(tmp_path: Path) -> None:
    identity = LocalIdentity(tmp_path)
    with pytest.raises(ValueError, match="e-mail"):
        identity.issue_token(" ", "Nobody", [])
    with pytest.raises(ValueError, match="lifetime"):
        identity.issue_token("alice@example.com", "Alice", [], ttl_seconds=0)


def test_the_key_file_is_created_private_and_random(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "data"
    LocalIdentity(data_dir)
    key_file = data_dir / LOCAL_IDENTITY_KEY_FILE

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_bytes().strip()) >= 32
    assert [p.name for p in data_dir.iterdir()] == [LOCAL_IDENTITY_KEY_FILE]

    LocalIdentity(tmp_path / "second")
    assert (tmp_path / "second" / LOCAL_IDENTITY_KEY_FILE).read_bytes() != key_file.read_bytes()


async def test_the_key_is_reused_so_tokens_survive_a_restart(tmp_path: Path) -> None:
    token = LocalIdentity(tmp_path).issue_token("dave@example.com", "Dave Davis", [])
    key_before = (tmp_path / LOCAL_IDENTITY_KEY_FILE).read_bytes()

    principal = await LocalIdentity(tmp_path).verify(token)

    assert principal.email == "dave@example.com"
    assert (tmp_path / LOCAL_IDENTITY_KEY_FILE).read_bytes() == key_before


async def test_concurrent_first_starts_agree_on_one_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "shared"
    with ThreadPoolExecutor(max_workers=8) as pool:
        identities = list(pool.map(lambda _: LocalIdentity(data_dir), range(16)))

    token = identities[0].issue_token("erin@example.com", "Erin Evans", [])
    for identity in identities:
        assert (await identity.verify(token)).email == "erin@example.com"
    assert [p.name for p in data_dir.iterdir()] == [LOCAL_IDENTITY_KEY_FILE]


def test_a_truncated_key_file_is_reported_not_used(tmp_path: Path) -> None:
    (tmp_path / LOCAL_IDENTITY_KEY_FILE).write_text("short")
    with pytest.raises(ValueError, match="delete it"):
        LocalIdentity(tmp_path)


def test_the_session_secret_has_its_own_stable_private_file(tmp_path: Path) -> None:
    first = load_or_create_session_secret(tmp_path)
    LocalIdentity(tmp_path)

    assert load_or_create_session_secret(tmp_path) == first
    assert len(first) >= 32
    assert stat.S_IMODE((tmp_path / SESSION_KEY_FILE).stat().st_mode) == 0o600
    assert (tmp_path / LOCAL_IDENTITY_KEY_FILE).read_text().strip() != first


def test_demo_users_cover_every_tier_with_configured_group_names() -> None:
    settings = GroupSettings(admin="ADM", contributor="DEV", team_prefix="TEAM_")
    users = {user.email: user for user in demo_users(settings)}

    assert list(users) == [
        "alice@example.com",
        "bob@example.com",
        "dave@example.com",
        "carol@example.com",
        "erin@example.com",
        "olivia@example.com",
    ]
    assert users["alice@example.com"].name == "Alice Adams"
    assert users["alice@example.com"].groups == ("DEV", "TEAM_A")
    assert users["bob@example.com"].groups == ("DEV", "TEAM_A")
    assert users["dave@example.com"].groups == ("DEV", "TEAM_B")
    assert users["carol@example.com"].groups == ("ADM", "DEV")
    assert users["olivia@example.com"].groups == ("ABC_BOOMI_FLOW_READONLY",)
    assert [u.tier for u in users.values()] == [
        Tier.CONTRIBUTOR,
        Tier.CONTRIBUTOR,
        Tier.CONTRIBUTOR,
        Tier.ADMIN,
        Tier.ADMIN,
        Tier.READONLY,
    ]


async def test_demo_user_tokens_verify_to_their_tier(tmp_path: Path) -> None:
    identity = LocalIdentity(tmp_path)
    for user in demo_users(GroupSettings()):
        principal = await identity.verify(identity.issue_token(user.email, user.name, user.groups))
        assert (principal.email, principal.tier) == (user.email, user.tier)


def test_build_verifier_follows_the_identity_mode(tmp_path: Path) -> None:
    local = build_verifier(Settings(data_dir=tmp_path))
    oidc = build_verifier(Settings(data_dir=tmp_path / "oidc", identity_mode=IdentityMode.OIDC))

    assert isinstance(local, LocalIdentity)
    assert isinstance(oidc, OidcVerifier)
    assert not (tmp_path / "oidc").exists()
