"""OIDC verification against a fake provider serving a real key set over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import socket
import time
from urllib.parse import quote_plus

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from boomi_promo.config import GroupSettings
from boomi_promo.identity.oidc import OidcVerifier
from boomi_promo.identity.principal import Tier
from boomi_promo.identity.verification import AuthenticationError, IdentityProviderError
from tests.integration.identity.conftest import (
    AUDIENCE,
    CLIENT_ID,
    CLIENT_SECRET,
    FakeProvider,
    SigningKey,
    claims,
    forge_token,
)

REDIRECT_URI = "http://127.0.0.1:8000/auth/callback"


async def test_a_valid_token_is_accepted_with_its_claims_mapped(
    provider: FakeProvider, rsa_key: SigningKey
) -> None:
    verifier = OidcVerifier(provider.settings())

    principal = await verifier.verify(rsa_key.sign(claims()))

    assert principal.email == "alice@example.com"
    assert principal.name == "Alice Adams"
    assert principal.groups == ("ABC_BOOMI_FLOW_CONTRIBUTOR", "ABC_BOOMI_FLOW_DEVTEAMA")
    assert principal.tier is Tier.CONTRIBUTOR


async def test_an_es256_token_is_accepted(provider: FakeProvider, ec_key: SigningKey) -> None:
    admin_claims = claims(email="carol@example.com", groups=["ABC_BOOMI_FLOW_ADMIN"])
    principal = await OidcVerifier(provider.settings()).verify(ec_key.sign(admin_claims))
    assert (principal.email, principal.tier) == ("carol@example.com", Tier.ADMIN)


async def test_configured_claim_names_are_used_and_missing_groups_mean_readonly(
    provider: FakeProvider, rsa_key: SigningKey
) -> None:
    settings = provider.settings(email_claim="preferred_username", name_claim="display_name")
    token = rsa_key.sign(
        claims(
            email=None,
            name=None,
            groups=None,
            preferred_username="Dave@Example.com",
            display_name="Dave Davis",
        )
    )

    principal = await OidcVerifier(settings, groups=GroupSettings()).verify(token)

    assert (principal.email, principal.name) == ("Dave@Example.com", "Dave Davis")
    assert principal.groups == ()
    assert principal.tier is Tier.READONLY


async def test_a_token_without_the_email_claim_is_refused(
    provider: FakeProvider, rsa_key: SigningKey
) -> None:
    with pytest.raises(AuthenticationError, match="'email' claim"):
        await OidcVerifier(provider.settings()).verify(rsa_key.sign(claims(email=None)))


async def test_an_injected_http_client_is_used(provider: FakeProvider, rsa_key: SigningKey) -> None:
    seen: list[str] = []

    async def record(request: httpx.Request) -> None:
        seen.append(str(request.url))

    async with httpx.AsyncClient(event_hooks={"request": [record]}) as http:
        verifier = OidcVerifier(provider.settings(), http=http)
        await verifier.verify(rsa_key.sign(claims()))

    assert seen == [f"{provider.base_url}/keys"]


def _refusals(rsa_key: SigningKey) -> dict[str, tuple[str, str]]:
    """Tokens that must be refused, with a word the refusal names."""
    now = int(time.time())
    stranger = SigningKey("rsa-1", "RS256", rsa.generate_private_key(65537, 2048))
    public_pem = rsa_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "wrong issuer": (rsa_key.sign(claims(iss="https://evil.example.test/")), "issued"),
        "wrong audience": (rsa_key.sign(claims(aud="api://someone-else")), "audience"),
        "expired": (rsa_key.sign(claims(iat=now - 3600, exp=now - 120)), "expired"),
        "not yet valid": (rsa_key.sign(claims(nbf=now + 600)), "not valid yet"),
        "no expiry": (rsa_key.sign(claims(exp=None)), "'exp' claim"),
        "bad signature": (stranger.sign(claims()), "signature"),
        "unknown kid": (rsa_key.sign(claims(), kid="retired-key"), "does not publish"),
        "alg none": (
            forge_token({"alg": "none", "typ": "JWT", "kid": "rsa-1"}, claims(), lambda _: b""),
            "algorithm",
        ),
        "HS256 signed with the public key": (
            forge_token(
                {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"},
                claims(),
                lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
            ),
            "algorithm",
        ),
        "RS256 naming the EC key": (rsa_key.sign(claims(), kid="ec-1"), "does not match"),
        "garbage": ("Zm9v.YmFy.YmF6", "malformed"),
        "empty": ("", "No token"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "wrong issuer",
        "wrong audience",
        "expired",
        "not yet valid",
        "no expiry",
        "bad signature",
        "unknown kid",
        "alg none",
        "HS256 signed with the public key",
        "RS256 naming the EC key",
        "garbage",
        "empty",
    ],
)
async def test_untrustworthy_tokens_are_refused_without_echoing_them(
    provider: FakeProvider, rsa_key: SigningKey, case: str
) -> None:
    token, reason = _refusals(rsa_key)[case]

    with pytest.raises(AuthenticationError) as refused:
        await OidcVerifier(provider.settings()).verify(token)

    message = refused.value.message
    assert reason in message
    assert "alice@example.com" not in message
    for part in token.split("."):
        assert not part or part not in message


async def test_expiry_allows_the_configured_clock_leeway(
    provider: FakeProvider, rsa_key: SigningKey
) -> None:
    now = int(time.time())
    verifier = OidcVerifier(provider.settings(leeway_seconds=30))

    principal = await verifier.verify(rsa_key.sign(claims(iat=now - 600, exp=now - 10)))
    assert principal.email == "alice@example.com"
    with pytest.raises(AuthenticationError, match="expired"):
        await verifier.verify(rsa_key.sign(claims(iat=now - 600, exp=now - 60)))


async def test_the_key_set_is_fetched_once_and_cached(
    provider: FakeProvider, rsa_key: SigningKey, ec_key: SigningKey
) -> None:
    verifier = OidcVerifier(provider.settings())

    await asyncio.gather(*(verifier.verify(rsa_key.sign(claims())) for _ in range(10)))
    await verifier.verify(ec_key.sign(claims()))

    assert provider.jwks_requests == 1


async def test_key_rotation_causes_exactly_one_refetch(
    provider: FakeProvider, rsa_key: SigningKey, rotated_key: SigningKey
) -> None:
    provider.publish(rsa_key)
    verifier = OidcVerifier(provider.settings())
    await verifier.verify(rsa_key.sign(claims()))
    assert provider.jwks_requests == 1

    provider.publish(rotated_key)
    principal = await verifier.verify(rotated_key.sign(claims(email="bob@example.com")))
    await verifier.verify(rotated_key.sign(claims()))

    assert principal.email == "bob@example.com"
    assert provider.jwks_requests == 2


async def test_unknown_key_ids_cannot_make_the_verifier_hammer_the_provider(
    provider: FakeProvider, rsa_key: SigningKey
) -> None:
    verifier = OidcVerifier(provider.settings(), unknown_kid_cooldown_seconds=60)
    with pytest.raises(AuthenticationError, match="does not publish"):
        await verifier.verify(rsa_key.sign(claims(), kid="random-first"))
    assert provider.jwks_requests == 1  # keys fetched just now are not fetched again

    for attempt in range(5):
        with pytest.raises(AuthenticationError, match="does not publish"):
            await verifier.verify(rsa_key.sign(claims(), kid=f"random-{attempt}"))

    assert provider.jwks_requests == 2  # the first fetch, then one refetch for an unknown kid


async def test_cached_keys_keep_working_while_the_provider_is_down(
    provider: FakeProvider, rsa_key: SigningKey
) -> None:
    verifier = OidcVerifier(provider.settings(), jwks_cache_seconds=0)
    await verifier.verify(rsa_key.sign(claims()))

    provider.jwks_status = 503
    principal = await verifier.verify(rsa_key.sign(claims()))
    await verifier.verify(rsa_key.sign(claims()))

    assert principal.email == "alice@example.com"
    assert provider.jwks_requests == 2  # one failed refresh, then a pause before the next try


async def test_a_provider_without_keys_is_a_provider_error(
    provider: FakeProvider, rsa_key: SigningKey
) -> None:
    provider.jwks_status = 500
    with pytest.raises(IdentityProviderError, match="signing keys"):
        await OidcVerifier(provider.settings()).verify(rsa_key.sign(claims()))


async def test_an_unreachable_provider_is_a_provider_error(
    provider: FakeProvider, rsa_key: SigningKey
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = provider.settings(jwks_url=f"http://127.0.0.1:{closed_port}/keys")

    with pytest.raises(IdentityProviderError, match="could not be reached"):
        await OidcVerifier(settings).verify(rsa_key.sign(claims()))


def _id_token(key: SigningKey, **overrides: object) -> str:
    return key.sign(claims(**{"aud": CLIENT_ID, "nonce": "nonce-1", **overrides}))


async def test_a_sign_in_code_is_exchanged_for_the_person_it_proves(
    provider: FakeProvider, rsa_key: SigningKey
) -> None:
    provider.token_answer = (
        200,
        {"access_token": "opaque", "token_type": "Bearer", "id_token": _id_token(rsa_key)},
    )

    principal = await OidcVerifier(provider.settings()).exchange_code(
        "code-123", REDIRECT_URI, "nonce-1"
    )

    assert (principal.email, principal.tier) == ("alice@example.com", Tier.CONTRIBUTOR)
    [request] = provider.token_requests
    assert request.form == {
        "grant_type": "authorization_code",
        "code": "code-123",
        "redirect_uri": REDIRECT_URI,
    }
    credentials = base64.b64decode(request.authorization.removeprefix("Basic ")).decode()
    assert credentials == f"{quote_plus(CLIENT_ID)}:{quote_plus(CLIENT_SECRET)}"


@pytest.mark.parametrize(
    ("id_token_claims", "reason"),
    [
        ({"nonce": "nonce-from-another-attempt"}, "this sign-in attempt"),
        ({"nonce": None}, "this sign-in attempt"),
        ({"aud": AUDIENCE}, "audience"),
        ({"azp": "another-client"}, "different application"),
    ],
)
async def test_an_id_token_not_made_for_this_sign_in_is_refused(
    provider: FakeProvider, rsa_key: SigningKey, id_token_claims: dict[str, object], reason: str
) -> None:
    provider.token_answer = (200, {"id_token": _id_token(rsa_key, **id_token_claims)})

    with pytest.raises(AuthenticationError, match=reason):
        await OidcVerifier(provider.settings()).exchange_code("code-123", REDIRECT_URI, "nonce-1")


async def test_a_refused_code_is_an_authentication_error(provider: FakeProvider) -> None:
    provider.token_answer = (
        400,
        {"error": "invalid_grant", "error_description": "AADSTS70008: code expired <script>"},
    )

    with pytest.raises(AuthenticationError) as refused:
        await OidcVerifier(provider.settings()).exchange_code("old", REDIRECT_URI, "nonce-1")

    assert "invalid_grant" in refused.value.message
    assert "AADSTS" not in refused.value.message


@pytest.mark.parametrize(
    "answer",
    [(500, {"error": "server_error"}), (200, {"access_token": "opaque"})],
)
async def test_a_broken_token_endpoint_is_a_provider_error(
    provider: FakeProvider, answer: tuple[int, dict[str, object]]
) -> None:
    provider.token_answer = answer
    with pytest.raises(IdentityProviderError):
        await OidcVerifier(provider.settings()).exchange_code("code", REDIRECT_URI, "nonce-1")
