"""Signing in and out, CSRF on every form, and the session cookie."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from boomi_promo.config import IdentityMode, OidcSettings, Settings
from boomi_promo.identity.oidc import OidcVerifier
from boomi_promo.identity.principal import Principal
from boomi_promo.identity.verification import AuthenticationError
from boomi_promo.web.routes import mount_dashboard
from tests.unit.web.support import (
    HTMX,
    SESSION_SECRET,
    FakeContainer,
    csrf_token_in,
    sign_in,
)


async def test_pages_send_visitors_who_are_not_signed_in_to_the_sign_in_page(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/packages?account=acct-a")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fpackages%3Faccount%3Dacct-a"


async def test_an_htmx_request_without_a_session_redirects_the_whole_page(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/packages/list?account=acct-a", headers=HTMX)

    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


async def test_the_sign_in_page_lists_the_demo_users_with_their_tiers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/login")

    assert response.status_code == 200
    buttons = re.findall(r'<button type="submit" name="email" value="([^"]+)"', response.text)
    assert buttons == [
        "alice@example.com",
        "bob@example.com",
        "dave@example.com",
        "carol@example.com",
        "erin@example.com",
        "olivia@example.com",
    ]
    assert "Alice Adams" in response.text
    assert "CONTRIBUTOR" in response.text
    assert "ADMIN" in response.text
    assert "READONLY" in response.text


async def test_signing_in_returns_to_the_page_asked_for_and_shows_the_user(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/login?next=/packages")
    response = await client.post(
        "/login",
        data={
            "email": "alice@example.com",
            "next": "/packages",
            "csrf_token": csrf_token_in(page.text),
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/packages"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in this test
    home = await client.get("/packages")
    assert "Alice Adams" in home.text
    assert "alice@example.com" in home.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
async def test_sign_in_never_redirects_to_another_site(
    client: httpx.AsyncClient, target: str
) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": "alice@example.com", "next": target, "csrf_token": csrf_token_in(page.text)},
    )

    assert response.headers["location"] == "/"


async def test_sign_in_starts_a_new_session_with_a_new_csrf_token(
    client: httpx.AsyncClient,
) -> None:
    before = csrf_token_in((await client.get("/login")).text)
    await client.post("/login", data={"email": "alice@example.com", "csrf_token": before})

    after = csrf_token_in((await client.get("/login")).text)

    assert after != before


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
async def test_a_sign_in_form_without_the_session_token_is_refused(
    client: httpx.AsyncClient, token: str | None
) -> None:
    await client.get("/login")
    data = {"email": "alice@example.com"}
    if token is not None:
        data["csrf_token"] = token

    response = await client.post("/login", data=data)

    assert response.status_code == 403
    assert "Form refused" in response.text
    assert (await client.get("/packages")).status_code == 303  # still signed out


async def test_an_unknown_demo_user_is_refused_in_a_sentence(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"email": "mallory@example.com", "csrf_token": csrf_token_in(page.text)}
    )

    assert response.status_code == 400
    assert "There is no demo user with that e-mail address." in response.text


async def test_signing_out_needs_the_token_and_ends_the_session(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "alice@example.com")
    page = await client.get("/packages")

    refused = await client.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert (await client.get("/packages")).status_code == 200

    response = await client.post("/logout", data={"csrf_token": csrf_token_in(page.text)})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert (await client.get("/packages")).status_code == 303


async def test_a_copy_of_the_session_cookie_is_refused_after_sign_out(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "carol@example.com")
    page = await client.get("/packages")
    stolen = dict(client.cookies)

    await client.post("/logout", data={"csrf_token": csrf_token_in(page.text)})
    client.cookies.clear()
    client.cookies.update(stolen)
    replayed = await client.get("/admin/accounts")

    assert replayed.status_code == 303
    assert replayed.headers["location"].startswith("/login")


async def test_signing_in_again_after_sign_out_starts_a_session_that_works(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "alice@example.com")
    page = await client.get("/packages")
    await client.post("/logout", data={"csrf_token": csrf_token_in(page.text)})

    await sign_in(client, "alice@example.com")

    assert (await client.get("/packages")).status_code == 200


async def test_the_csrf_header_is_accepted_in_place_of_the_form_field(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "alice@example.com")
    page = await client.get("/packages")

    response = await client.post(
        "/logout", headers={"X-CSRF-Token": csrf_token_in(page.text), **HTMX}
    )

    assert response.status_code == 303


async def test_a_tampered_session_cookie_counts_as_signed_out(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "alice@example.com")
    value = client.cookies["promo_session"]
    client.cookies.set("promo_session", value[:-4] + "AAAA")

    assert (await client.get("/packages")).status_code == 303


# --- OIDC mode --------------------------------------------------------------------------


class ScriptedOidcVerifier(OidcVerifier):
    """A real verifier's URL building; the code exchange answers from a script."""

    def __init__(self) -> None:
        super().__init__(
            OidcSettings(
                issuer="https://idp.example",
                authorize_url="https://idp.example/authorize",
                client_id="promo-dashboard",
            )
        )
        self.exchanges: list[tuple[str, str, str]] = []
        self.refuse = False

    async def exchange_code(self, code: str, redirect_uri: str, nonce: str) -> Principal:
        self.exchanges.append((code, redirect_uri, nonce))
        if self.refuse:
            raise AuthenticationError("The identity provider refused the sign-in code.")
        return Principal.from_groups(
            email="carol@example.com",
            name="Carol Clark",
            groups=["ABC_BOOMI_FLOW_ADMIN"],
            settings=Settings().groups,
        )


@pytest.fixture
def oidc(container: FakeContainer, app: FastAPI) -> ScriptedOidcVerifier:
    verifier = ScriptedOidcVerifier()
    container.settings = Settings(
        data_dir=container.settings.data_dir,
        identity_mode=IdentityMode.OIDC,
        public_url="https://promo.example",
    )
    container.verifier = verifier
    return verifier


async def _start_oidc_sign_in(client: httpx.AsyncClient, next_path: str) -> dict[str, str]:
    response = await client.get("/login", params={"next": next_path})
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        "https://idp.example/authorize"
    )
    return {key: values[0] for key, values in parse_qs(location.query).items()}


async def test_oidc_sign_in_goes_to_the_provider_and_back(
    client: httpx.AsyncClient, oidc: ScriptedOidcVerifier
) -> None:
    query = await _start_oidc_sign_in(client, "/admin/accounts")
    assert query["redirect_uri"] == "https://promo.example/auth/callback"
    assert query["client_id"] == "promo-dashboard"
    assert query["state"] and query["nonce"]

    response = await client.get(
        "/auth/callback", params={"code": "code-1", "state": query["state"]}
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/accounts"
    assert oidc.exchanges == [("code-1", "https://promo.example/auth/callback", query["nonce"])]
    assert "Carol Clark" in (await client.get("/admin/accounts")).text


async def test_oidc_callback_with_another_state_is_refused(
    client: httpx.AsyncClient, oidc: ScriptedOidcVerifier
) -> None:
    await _start_oidc_sign_in(client, "/")

    response = await client.get("/auth/callback", params={"code": "code-1", "state": "forged"})

    assert response.status_code == 400
    assert "does not belong to a sign-in started in this browser" in response.text
    assert oidc.exchanges == []


async def test_oidc_state_is_used_once(
    client: httpx.AsyncClient, oidc: ScriptedOidcVerifier
) -> None:
    query = await _start_oidc_sign_in(client, "/")
    await client.get("/auth/callback", params={"code": "code-1", "state": query["state"]})

    replay = await client.get("/auth/callback", params={"code": "code-1", "state": query["state"]})

    assert replay.status_code == 400


async def test_oidc_provider_errors_are_shown_without_their_free_text(
    client: httpx.AsyncClient, oidc: ScriptedOidcVerifier
) -> None:
    query = await _start_oidc_sign_in(client, "/")

    response = await client.get(
        "/auth/callback",
        params={
            "error": "access_denied",
            "error_description": "Call +1-555 to unlock",
            "state": query["state"],
        },
    )

    assert response.status_code == 401
    assert "The identity provider did not sign you in (access_denied)." in response.text
    assert "555" not in response.text


async def test_oidc_refused_code_is_explained(
    client: httpx.AsyncClient, oidc: ScriptedOidcVerifier
) -> None:
    oidc.refuse = True
    query = await _start_oidc_sign_in(client, "/")

    response = await client.get("/auth/callback", params={"code": "stale", "state": query["state"]})

    assert response.status_code == 401
    assert "The identity provider refused the sign-in code." in response.text
    assert (await client.get("/packages")).status_code == 303


async def test_the_session_cookie_is_secure_behind_an_https_public_url(
    container: FakeContainer,
) -> None:
    app = FastAPI()
    mount_dashboard(app, session_secret=SESSION_SECRET, public_url="https://promo.example")
    app.state.container = container
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://promo.example") as client:
        page = await client.get("/login")
        response = await client.post(
            "/login", data={"email": "bob@example.com", "csrf_token": csrf_token_in(page.text)}
        )

    assert "secure" in response.headers["set-cookie"].lower()
