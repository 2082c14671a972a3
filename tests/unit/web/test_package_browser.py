"""The Package Browser: account selection, the htmx list, search, paging and its states."""

from __future__ import annotations

import re
from html import unescape

import httpx

from boomi_promo.errors import UpstreamFailure
from tests.unit.web.support import HTMX, FakeActions, package, sign_in

ROW_NAMES = re.compile(r'<div class="component-name">([^<]*)</div>')


def names(html: str) -> list[str]:
    return [unescape(name) for name in ROW_NAMES.findall(html)]


async def test_a_single_granted_account_is_selected_and_its_list_loaded_by_htmx(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "alice@example.com")

    page = await client.get("/packages")

    assert page.status_code == 200
    assert '<option value="acct-a" selected>Dev Team A</option>' in page.text
    assert 'hx-get="/packages/list?account=acct-a" hx-trigger="load"' in page.text
    assert "Loading packages…" in page.text


async def test_an_admin_chooses_between_accounts(client: httpx.AsyncClient) -> None:
    await sign_in(client, "carol@example.com")

    page = await client.get("/packages")

    assert "Choose a dev account…" in page.text
    assert '<option value="acct-a">Dev Team A</option>' in page.text
    assert '<option value="acct-b">Dev Team B</option>' in page.text
    assert "Choose a dev account to see its packages." in page.text
    assert 'id="package-list"' not in page.text

    chosen = await client.get("/packages?account=acct-b")
    assert '<option value="acct-b" selected>Dev Team B</option>' in chosen.text
    assert 'hx-get="/packages/list?account=acct-b"' in chosen.text


async def test_a_contributor_without_a_team_group_is_told_to_ask_an_admin(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    await sign_in(client, "alice@example.com")
    actions.granted = lambda principal: []  # type: ignore[method-assign]

    page = await client.get("/packages")

    assert "Your groups do not grant any dev account yet; ask a platform admin." in page.text


async def test_an_account_that_is_not_granted_is_refused(client: httpx.AsyncClient) -> None:
    await sign_in(client, "alice@example.com")

    page = await client.get("/packages?account=acct-b")

    assert page.status_code == 403
    assert "Your groups do not grant access to dev account &#39;acct-b&#39;" in page.text
    fragment = await client.get("/packages/list?account=acct-b", headers=HTMX)
    assert fragment.status_code == 403
    assert "Your groups do not grant access to dev account &#39;acct-b&#39;." in fragment.text


async def test_the_list_is_newest_first_25_to_a_page(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.packages["acct-a"] = [package(n) for n in range(1, 61)]
    await sign_in(client, "alice@example.com")

    first = await client.get("/packages/list?account=acct-a", headers=HTMX)

    assert first.status_code == 200
    assert "<html" not in first.text  # a fragment
    assert names(first.text) == [f"Order Sync {n:03d}" for n in range(60, 35, -1)]
    assert "60 packages" in first.text
    assert "Page 1 of 3" in first.text
    assert 'href="/packages/list?account=acct-a&amp;page=2"' in first.text
    assert '<span class="disabled" aria-disabled="true">← Previous</span>' in first.text
    assert first.headers["HX-Replace-Url"] == "/packages?account=acct-a"

    last = await client.get("/packages/list?account=acct-a&page=3", headers=HTMX)
    assert names(last.text) == [f"Order Sync {n:03d}" for n in range(10, 0, -1)]
    assert "Page 3 of 3" in last.text
    assert 'href="/packages/list?account=acct-a&amp;page=2"' in last.text
    assert last.headers["HX-Replace-Url"] == "/packages?account=acct-a&page=3"


async def test_a_page_past_the_end_shows_the_last_page(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.packages["acct-a"] = [package(n) for n in range(1, 31)]
    await sign_in(client, "alice@example.com")

    for asked in ("9", "-1", "abc"):
        response = await client.get(f"/packages/list?account=acct-a&page={asked}", headers=HTMX)
        expected = "Page 2 of 2" if asked == "9" else "Page 1 of 2"
        assert expected in response.text, asked


async def test_search_matches_name_type_version_and_notes_ignoring_case(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.packages["acct-a"] = [
        package(1, component_name="Orders to ERP"),
        package(2, component_name="Invoice Map", component_type="transform.map"),
        package(3, component_name="Customers", package_version="3.1-HOTFIX"),
        package(4, component_name="Payments", notes="Adds the SEPA branch"),
    ]
    await sign_in(client, "alice@example.com")

    async def search(query: str) -> list[str]:
        response = await client.get(
            "/packages/list", params={"account": "acct-a", "q": query}, headers=HTMX
        )
        return names(response.text)

    assert await search("orders") == ["Orders to ERP"]
    assert await search("TRANSFORM") == ["Invoice Map"]
    assert await search("hotfix") == ["Customers"]
    assert await search("sepa") == ["Payments"]
    assert await search("adds sepa") == ["Payments"]
    assert await search("") == ["Payments", "Customers", "Invoice Map", "Orders to ERP"]
    empty = await client.get(
        "/packages/list", params={"account": "acct-a", "q": "nothing"}, headers=HTMX
    )
    assert "No packages match “nothing”." in empty.text


async def test_an_empty_account_says_so(client: httpx.AsyncClient) -> None:
    await sign_in(client, "alice@example.com")

    response = await client.get("/packages/list?account=acct-a", headers=HTMX)

    assert "This dev account has no packaged components yet." in response.text


async def test_component_names_are_shown_as_text(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.packages["acct-a"] = [package(1, component_name="<script>alert(1)</script>")]
    await sign_in(client, "alice@example.com")

    response = await client.get("/packages/list?account=acct-a", headers=HTMX)

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


async def test_a_boomi_failure_is_explained_with_a_way_to_try_again(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    await sign_in(client, "alice@example.com")
    actions.failure = UpstreamFailure(
        "Boomi is unavailable right now; try again in a few minutes.",
        error_code="BOOMI_UNAVAILABLE",
        status_code=503,
    )

    response = await client.get("/packages/list?account=acct-a&q=orders", headers=HTMX)

    assert response.status_code == 503
    assert "Boomi is unavailable right now; try again in a few minutes." in response.text
    assert "Traceback" not in response.text
    assert re.search(r"<button[^>]*>Try again</button>", response.text)
    assert '<input type="hidden" name="refresh" value="1">' in response.text
    assert '<input type="hidden" name="q" value="orders">' in response.text


async def test_the_list_is_loaded_from_boomi_once_for_search_and_paging(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.packages["acct-a"] = [package(n) for n in range(1, 40)]
    await sign_in(client, "alice@example.com")

    await client.get("/packages/list?account=acct-a", headers=HTMX)
    await client.get("/packages/list?account=acct-a&page=2", headers=HTMX)
    await client.get("/packages/list?account=acct-a&q=sync", headers=HTMX)
    assert actions.package_calls() == 1

    actions.packages["acct-a"].append(package(99))
    refreshed = await client.get("/packages/list?account=acct-a&refresh=1", headers=HTMX)
    assert actions.package_calls() == 2
    assert names(refreshed.text)[0] == "Order Sync 099"


async def test_a_failed_load_is_not_remembered(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.packages["acct-a"] = [package(1)]
    await sign_in(client, "alice@example.com")
    actions.failure = UpstreamFailure("Boomi is unavailable.", error_code="X", status_code=503)
    await client.get("/packages/list?account=acct-a", headers=HTMX)
    actions.failure = None

    response = await client.get("/packages/list?account=acct-a", headers=HTMX)

    assert names(response.text) == ["Order Sync 001"]


async def test_listings_are_not_shared_between_users(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.packages["acct-a"] = [package(1)]
    await sign_in(client, "alice@example.com")
    await client.get("/packages/list?account=acct-a", headers=HTMX)
    await sign_in(client, "dave@example.com")

    response = await client.get("/packages/list?account=acct-a", headers=HTMX)

    assert response.status_code == 403
    assert names(response.text) == []


async def test_the_list_route_is_a_full_page_without_htmx(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.packages["acct-a"] = [package(n) for n in range(1, 30)]
    await sign_in(client, "alice@example.com")

    response = await client.get("/packages/list?account=acct-a&page=2")

    assert response.status_code == 200
    assert "<html" in response.text
    assert "Package Browser" in response.text
    assert '<option value="acct-a" selected>Dev Team A</option>' in response.text
    assert 'hx-get="/packages/list?account=acct-a" hx-trigger="load"' not in response.text
    assert names(response.text) == [f"Order Sync {n:03d}" for n in range(4, 0, -1)]
    assert "Page 2 of 2" in response.text
