"""Lanes by tier, the no-access page, security headers and static files."""

from __future__ import annotations

import re

import httpx

from boomi_promo.errors import UpstreamFailure
from tests.unit.web.support import FakeActions, sign_in

LANE_TITLES = re.compile(r'<span class="lane-title">([^<]+)</span>')


async def test_a_contributor_sees_the_developer_and_peer_review_lanes_only(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "alice@example.com")

    page = await client.get("/packages")

    assert LANE_TITLES.findall(page.text) == ["Developer", "Peer Review"]
    assert 'href="/admin/accounts"' not in page.text
    assert '<span class="badge tier tier-contributor" title="Your tier">CONTRIBUTOR</span>' in (
        page.text
    )


async def test_a_contributor_is_refused_the_admin_lane(client: httpx.AsyncClient) -> None:
    await sign_in(client, "alice@example.com")

    response = await client.get("/admin/accounts")

    assert response.status_code == 403
    assert "The Admin lane is for the ADMIN tier; your groups give you CONTRIBUTOR." in (
        response.text
    )


async def test_an_admin_sees_every_lane_and_all_dev_accounts(client: httpx.AsyncClient) -> None:
    await sign_in(client, "carol@example.com")

    response = await client.get("/admin/accounts")

    assert response.status_code == 200
    assert LANE_TITLES.findall(response.text) == ["Developer", "Peer Review", "Admin"]
    assert "Dev Team A" in response.text
    assert "Dev Team B" in response.text
    assert 'href="/packages?account=acct-b"' in response.text


async def test_the_admin_page_explains_a_failure(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    await sign_in(client, "carol@example.com")
    actions.failure = UpstreamFailure(
        "The store is unavailable; try again shortly.",
        error_code="STORE_UNAVAILABLE",
        status_code=503,
    )

    response = await client.get("/admin/accounts")

    assert response.status_code == 503
    assert "The store is unavailable; try again shortly." in response.text


async def test_a_readonly_user_is_told_there_is_nothing_here_for_them(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    await sign_in(client, "olivia@example.com")

    for path in ("/", "/packages", "/packages/list?account=acct-a", "/reviews", "/admin/accounts"):
        response = await client.get(path)
        assert response.status_code == 403, path
        assert "your groups give you no access to Boomi Promo" in response.text
        assert LANE_TITLES.findall(response.text) == []
        assert "Sign out" in response.text
    assert actions.calls == []


async def test_home_opens_the_package_browser(client: httpx.AsyncClient) -> None:
    await sign_in(client, "bob@example.com")

    response = await client.get("/")

    assert response.status_code == 303
    assert response.headers["location"] == "/packages"


async def test_pages_carry_security_headers_and_are_not_cached(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "alice@example.com")

    response = await client.get("/packages")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["Cache-Control"] == "no-store"


async def test_pages_have_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    await sign_in(client, "carol@example.com")

    for path in ("/login", "/packages", "/packages/list?account=acct-a", "/admin/accounts"):
        html = (await client.get(path)).text
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None, path
        assert "<style" not in html, path
        assert " style=" not in html, path
        assert " on" + "click=" not in html, path


async def test_htmx_is_served_with_its_license_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/htmx.min.js")

    assert response.status_code == 200
    assert response.text.startswith("/*! htmx 2.")
    assert "Zero-Clause BSD" in response.text.splitlines()[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_no_access_page_names_the_groups_to_ask_for(client: httpx.AsyncClient) -> None:
    await sign_in(client, "olivia@example.com")

    page = await client.get("/packages")

    assert page.status_code == 403
    assert "ABC_BOOMI_FLOW_CONTRIBUTOR" in page.text
    assert "ABC_BOOMI_FLOW_ADMIN" in page.text
    assert "ABC_BOOMI_FLOW_DEVTEAM…" in page.text
