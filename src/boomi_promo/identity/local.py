"""Local identity: HS256 tokens signed with a secret kept in the data directory.

This is the embedded default for the demo and the tests. The secret is generated on first
use, readable only by its owner, and reused afterwards so tokens survive restarts. Deleting
the key file signs everybody out.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from boomi_promo.config import GroupSettings
from boomi_promo.identity.principal import Principal, Tier, resolve_tier
from boomi_promo.identity.verification import AuthenticationError, principal_from_claims

LOCAL_IDENTITY_KEY_FILE = "local-identity.key"
SESSION_KEY_FILE = "session.key"
LOCAL_AUDIENCE = "boomi-promo"
DEFAULT_TOKEN_TTL_SECONDS = 12 * 60 * 60
_SECRET_RANDOM_BYTES = 32
_MIN_SECRET_LENGTH = 32
_ALGORITHM = "HS256"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    groups: tuple[str, ...]
    tier: Tier


def demo_users(settings: GroupSettings) -> list[DemoUser]:
    """The demo's people, with group names taken from the configured group settings."""
    team_a = f"{settings.team_prefix}A"
    team_b = f"{settings.team_prefix}B"
    people: list[tuple[str, str, tuple[str, ...]]] = [
        ("alice@example.com", "Alice Adams", (settings.contributor, team_a)),
        ("bob@example.com", "Bob Brown", (settings.contributor, team_a)),
        ("dave@example.com", "Dave Davis", (settings.contributor, team_b)),
        ("carol@example.com", "Carol Clark", (settings.admin, settings.contributor)),
        ("erin@example.com", "Erin Evans", (settings.admin, settings.contributor)),
        ("olivia@example.com", "Olivia Olsen", ("ABC_BOOMI_FLOW_READONLY",)),
    ]
    return [
        DemoUser(email=email, name=name, groups=groups, tier=resolve_tier(groups, settings))
        for email, name, groups in people
    ]


def load_or_create_session_secret(data_dir: Path) -> str:
    """The secret that signs dashboard session cookies in local mode (its own file)."""
    return _load_or_create_secret(data_dir / SESSION_KEY_FILE).decode("ascii")


class LocalIdentity:
    """Issues and verifies local tokens; satisfies :class:`TokenVerifier`."""

    def __init__(
        self,
        data_dir: Path,
        *,
        issuer: str = "boomi-promo-local",
        groups: GroupSettings | None = None,
    ) -> None:
        self._secret = _load_or_create_secret(data_dir / LOCAL_IDENTITY_KEY_FILE)
        self._issuer = issuer
        self._group_settings = groups or GroupSettings()

    def issue_token(
        self,
        email: str,
        name: str,
        groups: Iterable[str],
        ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
    ) -> str:
        if not email.strip():
            raise ValueError("A token needs an e-mail address.")
        if ttl_seconds <= 0:
            raise ValueError("A token's lifetime must be a positive number of seconds.")
        now = datetime.now(UTC)
        claims = {
            "iss": self._issuer,
            "aud": LOCAL_AUDIENCE,
            "sub": email.strip(),
            "iat": now,
            "exp": now + timedelta(seconds=ttl_seconds),
            "email": email.strip(),
            "name": name.strip() or email.strip(),
            "groups": list(groups),
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    async def verify(self, token: str) -> Principal:
        if not token.strip():
            raise AuthenticationError("No token was given; sign in or pass a bearer token.")
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=LOCAL_AUDIENCE,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationError(
                "The token has expired; sign in again or issue a new one."
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError(
                "The token is not valid for this service (bad signature, issuer or format)."
            ) from exc
        return principal_from_claims(
            claims,
            email_claim="email",
            name_claim="name",
            groups_claim="groups",
            group_settings=self._group_settings,
        )


def _load_or_create_secret(path: Path) -> bytes:
    try:
        secret = path.read_bytes().strip()
    except FileNotFoundError:
        secret = _create_secret(path)
    if len(secret) < _MIN_SECRET_LENGTH:
        raise ValueError(
            f"The key file {path} holds fewer than {_MIN_SECRET_LENGTH} characters; "
            "delete it to have a new secret generated."
        )
    return secret


def _create_secret(path: Path) -> bytes:
    """Write a new secret atomically; if another process got there first, use theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(_SECRET_RANDOM_BYTES).encode("ascii")
    # mkstemp creates the file 0600; linking it into place fails if the name is taken, so a
    # concurrent first start never sees a half-written key.
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as temp_file:
            temp_file.write(secret)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        try:
            os.link(temp_name, path)
        except FileExistsError:
            return path.read_bytes().strip()
    finally:
        os.unlink(temp_name)
    return secret
