"""An admin sees the notification channels, what failed and why, and sends a test message from
the dashboard — in headless Chromium, with a real SMTP server and webhook receiver on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.integration.deployment.support import deployed_to_test
from tests.integration.notifications.support import (
    HOOK_TOKEN_PATH,
    HookReceiver,
    deliveries,
    eventually,
    hook_receiver,
    mail_catcher,
    notification_settings,
    notifying_service,
)
from tests.support.servers import EmulatorHandle
from tests.support.service import DemoService

pytestmark = pytest.mark.browser


@pytest.fixture
def hooks() -> Iterator[HookReceiver]:
    with hook_receiver() as receiver:
        yield receiver


@pytest.fixture
def service(
    emulator: EmulatorHandle, tmp_path: Path, service_database_url: str, hooks: HookReceiver
) -> Iterator[DemoService]:
    hooks.always.update({"down": 503, "gone": 404})
    with mail_catcher() as mail:
        settings = notification_settings(mail, hooks)
        with notifying_service(emulator, tmp_path, service_database_url, settings) as running:
            yield running


async def test_an_admin_sees_failed_deliveries_and_sends_a_test_message(
    page: Page, service: DemoService, hooks: HookReceiver, artifacts_dir: Path
) -> None:
    test_id = await deployed_to_test(service)

    async def gone_failed() -> bool:
        rows = await deliveries(service, promotion_id=test_id)
        return any(r.channel == "gone" and r.status == "FAILED" for r in rows)

    await eventually(gone_failed, what="the delivery to the gone channel failing")
    await page.goto(f"{service.base_url}/login")
    await page.get_by_role("button", name=re.compile("Carol Clark")).click()
    await page.get_by_role("link", name="Notifications").click()

    channels = page.locator("table.channels")
    await expect(channels).to_contain_text("generic")
    assert HOOK_TOKEN_PATH not in await page.content()
    await page.get_by_label("Status").select_option("FAILED")
    await page.get_by_role("button", name="Show").click()
    failed = page.locator("table.deliveries tbody tr")
    await expect(failed.first).to_contain_text("gone")
    await expect(failed.first).to_contain_text("404")
    await page.screenshot(path=str(artifacts_dir / "admin-notifications.png"), full_page=True)

    await page.get_by_role("button", name="Send a test message to every channel").click()
    outcomes = page.locator(".test-outcomes")
    await expect(outcomes.locator('[data-channel="generic"]')).to_contain_text("sent")
    await expect(outcomes.locator('[data-channel="down"]')).to_contain_text("failed")
    posted = [p.body.get("title") for p in hooks.posts_to("generic")]
    assert "boomi-promo test notification" in posted
