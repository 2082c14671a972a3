"""What every token verifier promises, the errors it raises, and the claim-to-principal mapping.

Error messages are shown to callers, so they describe what is wrong with a token in general
terms and never repeat the token or any of its claim values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from boomi_promo.config import GroupSettings
from boomi_promo.identity.principal import Principal


class IdentityError(Exception):
    """Base of the identity errors; ``message`` is safe to show to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthenticationError(IdentityError):
    """No token, or an expired, malformed or untrusted one: the caller is not signed in (401)."""


class IdentityProviderError(IdentityError):
    """The identity provider is unreachable or answered nonsense: 503, not the caller's fault."""


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal:
        """The principal a token proves, or :class:`AuthenticationError`."""
        ...


def principal_from_claims(
    claims: Mapping[str, Any],
    *,
    email_claim: str,
    name_claim: str,
    groups_claim: str,
    group_settings: GroupSettings,
) -> Principal:
    """Map verified claims onto a principal. A missing groups claim means no groups (READONLY)."""
    email = claims.get(email_claim)
    if not isinstance(email, str) or not email.strip():
        raise AuthenticationError(f"The token has no e-mail address in its '{email_claim}' claim.")
    name = claims.get(name_claim)
    if not isinstance(name, str) or not name.strip():
        name = email
    raw_groups = claims.get(groups_claim)
    if raw_groups is None:
        groups: list[str] = []
    elif isinstance(raw_groups, str):
        groups = [raw_groups]
    elif isinstance(raw_groups, list) and all(isinstance(g, str) for g in raw_groups):
        groups = raw_groups
    else:
        raise AuthenticationError(f"The token's '{groups_claim}' claim is not a list of names.")
    return Principal.from_groups(email=email, name=name, groups=groups, settings=group_settings)
