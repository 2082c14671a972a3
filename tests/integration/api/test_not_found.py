"""An unknown address answers in the caller's terms: a page for a browser, the JSON envelope
for the API."""

from __future__ import annotations

import httpx

from tests.support.service import DemoService

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


async def test_a_browser_gets_a_page_the_api_gets_json(demo_service: DemoService) -> None:
    async with httpx.AsyncClient(base_url=demo_service.base_url, timeout=30) as client:
        page = await client.get("/no/such/page", headers=BROWSER)
        api = await client.get("/api/v1/no-such-thing", headers=BROWSER)
        plain = await client.get("/no/such/page")

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    assert "There is no page at /no/such/page" in page.text
    assert 'href="/"' in page.text
    assert api.status_code == 404
    assert api.json()["errorCode"] == "NOT_FOUND"
    assert plain.status_code == 404
    assert plain.json()["success"] is False
