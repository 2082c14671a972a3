"""The dashboard in a real browser against the demo: emulator seed over HTTP, a fresh store."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Response, Route, expect

from tests.support.emulator_control import CONTROL_AUTH

pytestmark = pytest.mark.browser

ROWS = "table.packages tbody tr"
# The service retries Boomi's 503s with backoff (1 s, 2 s, 4 s) before it gives up.
OUTAGE_TIMEOUT_MS = 30_000


async def sign_in_as(page: Page, base_url: str, name: str) -> None:
    await page.goto(f"{base_url}/login")
    await page.get_by_role("button", name=re.compile(name)).click()


async def lane_titles(page: Page) -> list[str]:
    return await page.locator(".lane-title").all_text_contents()


async def created_times(page: Page) -> list[datetime]:
    stamps = await page.locator(f"{ROWS} time").evaluate_all(
        "times => times.map(t => t.getAttribute('datetime'))"
    )
    return [datetime.fromisoformat(s.replace("Z", "+00:00")) for s in stamps]


def page_count(text: str) -> int:
    found = re.search(r"Page (\d+) of (\d+)", text)
    assert found is not None, text
    return int(found.group(2))


async def batch_job_03_found(page: Page) -> list[str]:
    """The list shows the search for "batch job 03" and only its packages; their names."""
    await expect(page.locator(".list-summary")).to_contain_text("matching “batch job 03”")
    names = await page.locator(f"{ROWS} .component-name").all_inner_texts()
    assert names
    assert all(name == "Batch Job 03" for name in names)
    return names


async def test_a_developer_browses_searches_and_pages_their_packages(
    page: Page, demo_service: Any, artifacts_dir: Path
) -> None:
    base_url = demo_service.base_url
    await sign_in_as(page, base_url, "Alice Adams")

    await expect(page).to_have_url(re.compile(r"/packages"))
    assert await lane_titles(page) == ["Developer", "Peer Review"]
    await expect(page.get_by_role("link", name="Package Browser")).to_be_visible()
    await expect(page.get_by_role("link", name="Peer Review Queue")).to_be_visible()
    await expect(page.locator(".signed-in")).to_contain_text("Alice Adams")
    await expect(page.locator(".signed-in .tier")).to_have_text("CONTRIBUTOR")

    # Dev Team A is her only account: chosen for her, its packages loaded by htmx.
    await expect(page.locator("#account option:checked")).to_have_text("Dev Team A")
    await expect(page.locator(ROWS)).to_have_count(25)
    first_page = await created_times(page)
    assert first_page == sorted(first_page, reverse=True)
    position = page.locator(".page-position")
    await expect(position).to_have_text(re.compile(r"Page 1 of \d+"))
    pages = page_count(await position.inner_text())
    assert pages >= 5  # the demo's team A account has well over 100 packages
    await page.screenshot(path=str(artifacts_dir / "package-browser.png"), full_page=True)

    await page.get_by_role("link", name="Next →").click()
    await expect(position).to_have_text(f"Page 2 of {pages}")
    await expect(page).to_have_url(re.compile(r"[?&]page=2\b"))
    second_page = await created_times(page)
    assert second_page == sorted(second_page, reverse=True)
    assert second_page[0] <= first_page[-1]

    await page.get_by_role("link", name="← Previous").click()
    await expect(position).to_have_text(f"Page 1 of {pages}")

    await page.get_by_role("searchbox", name="Search").fill("batch job 03")
    names = await batch_job_03_found(page)
    assert len(names) < 25 and "Next →" not in await page.locator("#package-list").inner_text()
    await expect(page).to_have_url(re.compile(r"q=batch\+job\+03"))

    await page.get_by_role("searchbox", name="Search").fill("no such package anywhere")
    await expect(page.locator("#package-list")).to_contain_text(
        "No packages match “no such package anywhere”."
    )


async def test_the_admin_lane_is_not_offered_to_a_developer(page: Page, demo_service: Any) -> None:
    await sign_in_as(page, demo_service.base_url, "Alice Adams")
    await expect(page.locator(ROWS).first).to_be_visible()

    assert await page.get_by_role("link", name="Dev Account Access").count() == 0
    response = await page.goto(f"{demo_service.base_url}/admin/accounts")
    assert response is not None and response.status == 403
    await expect(page.locator("main")).to_contain_text("The Admin lane is for the ADMIN tier")


async def test_the_peer_review_queue_starts_empty(page: Page, demo_service: Any) -> None:
    await sign_in_as(page, demo_service.base_url, "Bob Brown")

    await page.get_by_role("link", name="Peer Review Queue").click()

    await expect(page.locator("main")).to_contain_text("No promotions are waiting for peer review.")


async def test_an_admin_chooses_between_all_dev_accounts(page: Page, demo_service: Any) -> None:
    base_url = demo_service.base_url
    await sign_in_as(page, base_url, "Carol Clark")

    assert await lane_titles(page) == ["Developer", "Peer Review", "Admin"]
    await expect(page.locator(".signed-in .tier")).to_have_text("ADMIN")
    account_names = [name for _, name in demo_service.seed.dev_accounts]
    options = page.locator("#account option:not([disabled])")
    await expect(options).to_have_text(account_names)
    await expect(page.locator("main")).to_contain_text("Choose a dev account to see its packages.")

    await page.locator("#account").select_option(label="Dev Team B")
    await expect(page).to_have_url(re.compile(r"account="))
    await expect(page.locator("#account option:checked")).to_have_text("Dev Team B")
    await expect(page.locator(ROWS).first).to_be_visible()

    await page.get_by_role("link", name="Dev Account Access").click()
    table = page.locator("table.grants")
    for account_id, name in demo_service.seed.dev_accounts:
        await expect(table).to_contain_text(name)
        await expect(table).to_contain_text(account_id)


async def test_a_readonly_user_is_told_there_is_nothing_for_them(
    page: Page, demo_service: Any
) -> None:
    await sign_in_as(page, demo_service.base_url, "Olivia Olsen")

    await expect(page.locator("h1")).to_have_text("No access")
    await expect(page.locator("main")).to_contain_text("your groups give you no access")
    assert await page.locator(".lane").count() == 0
    response = await page.goto(f"{demo_service.base_url}/packages")
    assert response is not None and response.status == 403


async def test_signing_out_returns_to_the_sign_in_page(page: Page, demo_service: Any) -> None:
    await sign_in_as(page, demo_service.base_url, "Dave Davis")
    await expect(page.locator("#account option:checked")).to_have_text("Dev Team B")

    await page.get_by_role("button", name="Sign out").click()

    await expect(page.locator("h1")).to_have_text("Sign in")
    await page.goto(f"{demo_service.base_url}/packages")
    await expect(page).to_have_url(re.compile(r"/login\?next="))


async def test_a_boomi_outage_is_explained_and_can_be_retried(
    page: Page, demo_service: Any
) -> None:
    # Erin is used by no other test, so no cached listing hides the outage.
    faults = f"{demo_service.emulator_url}/__emulator__/faults"
    async with httpx.AsyncClient(auth=CONTROL_AUTH) as emulator:
        injected = await emulator.post(
            faults, json={"path": "PackagedComponent/query", "status": 503}
        )
        injected.raise_for_status()
        try:
            await sign_in_as(page, demo_service.base_url, "Erin Evans")
            await page.locator("#account").select_option(label="Dev Team B")

            alert = page.locator("#package-list [role=alert]")
            await expect(alert).to_contain_text("Boomi", timeout=OUTAGE_TIMEOUT_MS)
            await expect(alert.get_by_role("button", name="Try again")).to_be_visible()
        finally:
            (await emulator.delete(faults)).raise_for_status()

    await alert.get_by_role("button", name="Try again").click()

    await expect(page.locator(ROWS).first).to_be_visible(timeout=OUTAGE_TIMEOUT_MS)
    await expect(page.locator("#package-list [role=alert]")).to_have_count(0)


async def test_a_search_typed_while_the_list_still_loads_is_not_overwritten_by_it(
    page: Page, demo_service: Any
) -> None:
    # The network answers the page's own listing last, after the search typed meanwhile.
    first_listing_asked, search_answered = asyncio.Event(), asyncio.Event()
    first_listing_done = asyncio.Event()

    async def answer_the_first_listing_last(route: Route) -> None:
        if "q=" in route.request.url:
            await route.continue_()
            return
        first_listing_asked.set()
        try:
            response = await route.fetch()
            await search_answered.wait()
            await route.fulfill(response=response)
        except PlaywrightError:
            pass  # the page gave the request up: nothing of it can reach the list
        finally:
            first_listing_done.set()

    def on_response(response: Response) -> None:
        if "/packages/list" in response.url and "q=" in response.url:
            search_answered.set()

    await page.route(re.compile(r"/packages/list\?"), answer_the_first_listing_last)
    page.on("response", on_response)
    await sign_in_as(page, demo_service.base_url, "Alice Adams")
    # The page asked for its list (htmx is at work), then the search is typed.
    await asyncio.wait_for(first_listing_asked.wait(), timeout=15)
    await page.get_by_role("searchbox", name="Search").fill("batch job 03")

    await batch_job_03_found(page)
    await asyncio.wait_for(first_listing_done.wait(), timeout=15)
    await page.wait_for_timeout(300)  # time for a late answer to be swapped in
    await batch_job_03_found(page)


async def test_a_search_typed_before_the_page_script_is_ready_is_still_sent(
    page: Page, demo_service: Any
) -> None:
    # A slow network: the page is shown, and typed into, before htmx has arrived.
    typed = asyncio.Event()

    async def htmx_after_typing(route: Route) -> None:
        response = await route.fetch()
        await typed.wait()
        await route.fulfill(response=response)

    await page.goto(f"{demo_service.base_url}/login")
    await page.route(re.compile(r"/static/htmx\.min\.js"), htmx_after_typing)
    await page.get_by_role("button", name=re.compile("Alice Adams")).click()
    await page.get_by_role("searchbox", name="Search").fill("batch job 03")
    typed.set()

    await batch_job_03_found(page)
