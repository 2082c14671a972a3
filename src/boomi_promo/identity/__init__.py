"""Who is calling: principals and tiers, local tokens for the demo, OIDC for production."""

from __future__ import annotations

from boomi_promo.config import IdentityMode, Settings
from boomi_promo.identity.local import LocalIdentity
from boomi_promo.identity.oidc import OidcVerifier
from boomi_promo.identity.principal import Principal, Tier
from boomi_promo.identity.verification import (
    AuthenticationError,
    IdentityError,
    IdentityProviderError,
    TokenVerifier,
)

__all__ = [
    "AuthenticationError",
    "IdentityError",
    "IdentityProviderError",
    "Principal",
    "Tier",
    "TokenVerifier",
    "build_verifier",
]


def build_verifier(settings: Settings) -> TokenVerifier:
    """The verifier for the configured identity mode (local creates its key on first use)."""
    if settings.identity_mode is IdentityMode.OIDC:
        return OidcVerifier(settings.oidc, groups=settings.groups)
    return LocalIdentity(settings.data_dir, groups=settings.groups)
