"""OIDC identity: bearer JWTs verified against the provider's JWKS, and the dashboard sign-in.

Only asymmetric algorithms are accepted, and a key is used only with an algorithm of its own
family, so neither ``alg: none`` nor HS256 signed with a published public key gets through.
The key set is cached; a token naming an unknown key id causes one refetch (the provider may
have rotated keys), at most once per cool-down so random key ids cannot hammer the provider.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx
import jwt
import structlog

from boomi_promo.config import GroupSettings, OidcSettings, Settings
from boomi_promo.identity.principal import Principal
from boomi_promo.identity.verification import (
    AuthenticationError,
    IdentityProviderError,
    principal_from_claims,
)

# Algorithm → the JWK key type that may verify it.
ALLOWED_ALGORITHMS: Mapping[str, str] = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
}
SIGN_IN_SCOPE = "openid profile email"
MIN_SESSION_SECRET_LENGTH = 32
_HTTP_TIMEOUT = httpx.Timeout(10.0)
_OAUTH_ERROR_CODE = re.compile(r"^[a-z_]{1,64}$")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

_log = structlog.get_logger("boomi_promo.identity")


@dataclass(frozen=True)
class _SigningKey:
    key_id: str | None
    key_type: str
    algorithm: str | None
    """The algorithm the key set pins this key to, if it names one."""
    public_key: Any


class OidcVerifier:
    """Verifies provider-issued tokens; satisfies :class:`TokenVerifier`.

    Without ``http`` each request to the provider uses a short-lived client, which suits the
    rare key-set fetches and sign-ins and leaves nothing to close.
    """

    def __init__(
        self,
        settings: OidcSettings,
        *,
        http: httpx.AsyncClient | None = None,
        groups: GroupSettings | None = None,
        jwks_cache_seconds: float = 3600.0,
        unknown_kid_cooldown_seconds: float = 10.0,
    ) -> None:
        self._settings = settings
        self._http = http
        self._group_settings = groups or GroupSettings()
        self._jwks_cache_seconds = jwks_cache_seconds
        self._unknown_kid_cooldown_seconds = unknown_kid_cooldown_seconds
        self._keys: list[_SigningKey] = []
        self._fetched_at: float | None = None
        self._last_unknown_kid_refetch: float | None = None
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Principal:
        """Verify an API bearer token (audience: the configured API audience)."""
        claims = await self._decode(token, audience=self._settings.audience)
        return self._principal(claims)

    def authorization_url(self, state: str, nonce: str, redirect_uri: str) -> str:
        """Where to send a browser to sign in with the authorization-code flow."""
        url = httpx.URL(self._settings.authorize_url).copy_merge_params(
            {
                "response_type": "code",
                "client_id": self._settings.client_id,
                "redirect_uri": redirect_uri,
                "scope": SIGN_IN_SCOPE,
                "state": state,
                "nonce": nonce,
            }
        )
        return str(url)

    async def exchange_code(self, code: str, redirect_uri: str, nonce: str) -> Principal:
        """Trade a sign-in code for an ID token and return whom it proves.

        ``nonce`` is the value this sign-in attempt put into :meth:`authorization_url`; an ID
        token carrying another one was minted for a different attempt and is refused.
        """
        client_id = self._settings.client_id
        # RFC 6749 §2.3.1: client credentials are form-encoded before Basic encoding.
        auth = httpx.BasicAuth(
            quote_plus(client_id, safe=""),
            quote_plus(self._settings.client_secret.get_secret_value(), safe=""),
        )
        response = await self._request(
            "POST",
            self._settings.token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
            },
            auth=auth,
            headers={"Accept": "application/json"},
        )
        body = _json_object(response)
        if response.status_code in (400, 401):
            error = body.get("error") if body else None
            reason = error if isinstance(error, str) and _OAUTH_ERROR_CODE.match(error) else ""
            raise AuthenticationError(
                "The identity provider refused the sign-in code"
                + (f" ({reason})" if reason else "")
                + "; start the sign-in again."
            )
        if response.status_code != 200 or body is None:
            raise IdentityProviderError(
                f"The identity provider's token endpoint answered HTTP {response.status_code}; "
                "try signing in again shortly."
            )
        id_token = body.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise IdentityProviderError("The identity provider's answer had no ID token.")
        claims = await self._decode(id_token, audience=client_id)
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not hmac.compare_digest(
            token_nonce.encode(), nonce.encode()
        ):
            raise AuthenticationError(
                "The sign-in answer does not belong to this sign-in attempt; start again."
            )
        authorized_party = claims.get("azp")
        if authorized_party is not None and authorized_party != client_id:
            raise AuthenticationError("The ID token was issued to a different application.")
        return self._principal(claims)

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        return principal_from_claims(
            claims,
            email_claim=self._settings.email_claim,
            name_claim=self._settings.name_claim,
            groups_claim=self._settings.groups_claim,
            group_settings=self._group_settings,
        )

    async def _decode(self, token: str, *, audience: str) -> dict[str, Any]:
        if not token.strip():
            raise AuthenticationError("No token was given; sign in or pass a bearer token.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthenticationError("The token is malformed.") from exc
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in ALLOWED_ALGORITHMS:
            raise AuthenticationError("The token uses a signing algorithm this service refuses.")
        kid = header.get("kid")
        key = await self._signing_key(kid if isinstance(kid, str) else None)
        if key.key_type != ALLOWED_ALGORITHMS[algorithm] or key.algorithm not in (None, algorithm):
            raise AuthenticationError("The token's algorithm does not match its signing key.")
        try:
            return jwt.decode(
                token,
                key.public_key,
                algorithms=[algorithm],
                audience=audience,
                issuer=self._settings.issuer,
                leeway=self._settings.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationError("The token has expired; sign in again.") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthenticationError(
                "The token was not issued by the configured identity provider."
            ) from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthenticationError("The token was issued for a different audience.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise AuthenticationError("The token is not valid yet.") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise AuthenticationError(f"The token lacks the required '{exc.claim}' claim.") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthenticationError("The token's signature does not verify.") from exc
        except jwt.PyJWTError as exc:
            raise AuthenticationError("The token is malformed or not valid.") from exc

    async def _signing_key(self, kid: str | None) -> _SigningKey:
        now = time.monotonic()
        fetched_at = self._fetched_at
        if fetched_at is None or now - fetched_at >= self._jwks_cache_seconds:
            await self._refresh(seen_fetched_at=fetched_at)
        key = _select_key(self._keys, kid)
        just_fetched = self._fetched_at != fetched_at
        if (
            key is None
            and kid is not None
            and not just_fetched
            and self._may_refetch_for_unknown_kid(now)
        ):
            self._last_unknown_kid_refetch = now
            await self._refresh(seen_fetched_at=self._fetched_at)
            key = _select_key(self._keys, kid)
        if key is None:
            raise AuthenticationError(
                "The token was signed with a key the identity provider does not publish."
            )
        return key

    def _may_refetch_for_unknown_kid(self, now: float) -> bool:
        last = self._last_unknown_kid_refetch
        return last is None or now - last >= self._unknown_kid_cooldown_seconds

    async def _refresh(self, *, seen_fetched_at: float | None) -> None:
        async with self._lock:
            if self._fetched_at != seen_fetched_at:
                return  # another request refreshed the keys while this one waited
            try:
                self._keys = await self._fetch_keys()
            except IdentityProviderError:
                if not self._keys:
                    raise
                # Keep serving with the keys we have; try again after one cool-down rather
                # than on every request while the provider is down.
                _log.warning("jwks refresh failed; using cached keys", url=self._settings.jwks_url)
                self._fetched_at = (
                    time.monotonic() - self._jwks_cache_seconds + self._unknown_kid_cooldown_seconds
                )
                return
            self._fetched_at = time.monotonic()

    async def _fetch_keys(self) -> list[_SigningKey]:
        response = await self._request("GET", self._settings.jwks_url)
        document = _json_object(response)
        raw_keys = document.get("keys") if document else None
        if response.status_code != 200 or not isinstance(raw_keys, list):
            _log.warning(
                "jwks fetch failed", url=self._settings.jwks_url, status=response.status_code
            )
            raise IdentityProviderError(
                "The identity provider's signing keys could not be read; try again shortly."
            )
        keys: list[_SigningKey] = []
        for raw in raw_keys:
            # Only signature keys of an asymmetric type; an "oct" (shared secret) key in a
            # published set must never verify anything.
            if (
                not isinstance(raw, dict)
                or raw.get("kty") not in ("RSA", "EC")
                or raw.get("use", "sig") != "sig"
            ):
                continue
            kid, declared = raw.get("kid"), raw.get("alg")
            try:
                public_key = jwt.PyJWK(raw).key
            except jwt.PyJWTError:
                _log.warning("jwks key skipped: unusable", kid=kid)
                continue
            keys.append(
                _SigningKey(
                    key_id=kid if isinstance(kid, str) else None,
                    key_type=raw["kty"],
                    algorithm=declared if isinstance(declared, str) else None,
                    public_key=public_key,
                )
            )
        return keys

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            if self._http is not None:
                return await self._http.request(method, url, **kwargs)
            async with httpx.AsyncClient(timeout=_HTTP_TIMEOUT) as client:
                return await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            _log.warning("identity provider unreachable", url=url, error=type(exc).__name__)
            raise IdentityProviderError(
                "The identity provider could not be reached; try again shortly."
            ) from exc


def validate_oidc_settings(settings: Settings) -> list[str]:
    """Every problem that stops oidc mode from working, as sentences; empty when ready."""
    oidc = settings.oidc
    problems: list[str] = []
    required = (
        (oidc.issuer, "PROMO_OIDC__ISSUER", "the identity provider's issuer"),
        (oidc.audience, "PROMO_OIDC__AUDIENCE", "the audience API tokens are issued for"),
        (oidc.jwks_url, "PROMO_OIDC__JWKS_URL", "the URL of the provider's signing keys"),
        (oidc.authorize_url, "PROMO_OIDC__AUTHORIZE_URL", "the provider's authorization URL"),
        (oidc.token_url, "PROMO_OIDC__TOKEN_URL", "the provider's token URL"),
        (oidc.client_id, "PROMO_OIDC__CLIENT_ID", "the dashboard's client id"),
        (
            oidc.client_secret.get_secret_value(),
            "PROMO_OIDC__CLIENT_SECRET",
            "the dashboard's client secret",
        ),
    )
    for value, variable, meaning in required:
        if not value.strip():
            problems.append(f"Set {variable} to {meaning}.")
    for value, variable in (
        (oidc.jwks_url, "PROMO_OIDC__JWKS_URL"),
        (oidc.authorize_url, "PROMO_OIDC__AUTHORIZE_URL"),
        (oidc.token_url, "PROMO_OIDC__TOKEN_URL"),
    ):
        if value.strip() and not _is_trusted_url(value):
            problems.append(
                f"{variable} must be an https URL (plain http is accepted only for localhost)."
            )
    session_secret = settings.session_secret.get_secret_value()
    if not session_secret:
        problems.append(
            "Set PROMO_SESSION_SECRET to a random value of at least "
            f"{MIN_SESSION_SECRET_LENGTH} characters; it signs dashboard sessions."
        )
    elif len(session_secret) < MIN_SESSION_SECRET_LENGTH:
        problems.append(
            f"PROMO_SESSION_SECRET is too short; use at least {MIN_SESSION_SECRET_LENGTH} "
            "random characters."
        )
    return problems


def _select_key(keys: list[_SigningKey], kid: str | None) -> _SigningKey | None:
    if kid is None:
        # Some providers omit the key id when they publish a single key.
        return keys[0] if len(keys) == 1 else None
    return next((key for key in keys if key.key_id == kid), None)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _is_trusted_url(value: str) -> bool:
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    return url.scheme == "https" or (url.scheme == "http" and url.host in LOOPBACK_HOSTS)
