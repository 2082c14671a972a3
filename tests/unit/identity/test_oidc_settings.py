"""OIDC configuration checks and the sign-in redirect, which need no identity provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr

from boomi_promo.config import IdentityMode, OidcSettings, Settings
from boomi_promo.identity.oidc import OidcVerifier, validate_oidc_settings

COMPLETE = OidcSettings(
    issuer="https://login.example.com/tenant/v2.0",
    audience="api://boomi-promo",
    jwks_url="https://login.example.com/tenant/discovery/v2.0/keys",
    authorize_url="https://login.example.com/tenant/oauth2/v2.0/authorize",
    token_url="https://login.example.com/tenant/oauth2/v2.0/token",
    client_id="dashboard-client",
    client_secret=SecretStr("s3cret"),
)
SESSION_SECRET = SecretStr("x" * 40)


def _settings(oidc: OidcSettings, session_secret: SecretStr = SESSION_SECRET) -> Settings:
    return Settings(identity_mode=IdentityMode.OIDC, oidc=oidc, session_secret=session_secret)


def test_complete_settings_have_no_problems() -> None:
    assert validate_oidc_settings(_settings(COMPLETE)) == []


def test_every_missing_setting_is_named_in_a_sentence() -> None:
    problems = validate_oidc_settings(_settings(OidcSettings(), SecretStr("")))

    for variable in (
        "PROMO_OIDC__ISSUER",
        "PROMO_OIDC__AUDIENCE",
        "PROMO_OIDC__JWKS_URL",
        "PROMO_OIDC__AUTHORIZE_URL",
        "PROMO_OIDC__TOKEN_URL",
        "PROMO_OIDC__CLIENT_ID",
        "PROMO_OIDC__CLIENT_SECRET",
        "PROMO_SESSION_SECRET",
    ):
        assert sum(variable + " " in p for p in problems) == 1, variable
    assert all(p.endswith(".") and p[0].isupper() for p in problems)


def test_a_short_session_secret_is_refused() -> None:
    problems = validate_oidc_settings(_settings(COMPLETE, SecretStr("too-short")))
    assert problems == ["PROMO_SESSION_SECRET is too short; use at least 32 random characters."]


def test_provider_urls_must_use_https_except_on_loopback() -> None:
    plain = COMPLETE.model_copy(update={"jwks_url": "http://login.example.com/keys"})
    loopback = COMPLETE.model_copy(update={"jwks_url": "http://127.0.0.1:8080/keys"})

    assert validate_oidc_settings(_settings(plain)) == [
        "PROMO_OIDC__JWKS_URL must be an https URL (plain http is accepted only for localhost)."
    ]
    assert validate_oidc_settings(_settings(loopback)) == []


def test_the_sign_in_url_carries_the_code_flow_parameters() -> None:
    settings = COMPLETE.model_copy(
        update={"authorize_url": "https://login.example.com/authorize?prompt=select_account"}
    )
    url = OidcVerifier(settings).authorization_url(
        state="state-123", nonce="nonce-456", redirect_uri="https://promo.example.com/auth/callback"
    )

    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "login.example.com", "/authorize")
    assert query == {
        "prompt": "select_account",
        "response_type": "code",
        "client_id": "dashboard-client",
        "redirect_uri": "https://promo.example.com/auth/callback",
        "scope": "openid profile email",
        "state": "state-123",
        "nonce": "nonce-456",
    }
    assert "s3cret" not in url
