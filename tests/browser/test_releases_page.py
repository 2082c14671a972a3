"""An admin sees what each process runs in Test and Production, rolls Production back after a
preview and with a reason, and sees the rolled-back release marked — in headless Chromium
against the demo (emulator over HTTP, a fresh store)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.integration.deployment.support import (
    body_of,
    completed_promotion,
    deploy,
    deployed_to_test,
    record,
    to_production,
)
from tests.integration.promotion.support import ALICE
from tests.integration.rollback.test_rollback import PROFILE, edit_dev_component

pytestmark = pytest.mark.browser


async def two_production_releases(service: Any) -> tuple[Any, Any]:
    profile = next(
        c for c in service.seed.prior_promotion.components if c.component_name == PROFILE
    )
    first_test = await deployed_to_test(service)
    first = await record(
        service,
        await to_production(service, first_test, createNewPack=True, newPackName="Customer Sync"),
    )
    await edit_dev_component(
        service, profile.dev_component_id, 'name="country"', 'name="countryCode"'
    )
    second_test = str((await completed_promotion(service))["promotionId"])
    body_of(await deploy(service, ALICE, promotionId=second_test))
    second = await record(
        service,
        await to_production(service, second_test, integrationPackId=first.integration_pack_id),
    )
    return first, second


async def test_an_admin_rolls_production_back_from_the_releases_page(
    page: Page, demo_service: Any, artifacts_dir: Path
) -> None:
    first, second = await two_production_releases(demo_service)
    await page.goto(f"{demo_service.base_url}/login")
    await page.get_by_role("button", name=re.compile("Carol Clark")).click()

    await page.get_by_role("link", name="Releases").click()
    section = page.locator('section[data-process="Customer Sync"]')
    production = section.locator('.release-now[data-environment="PRODUCTION"]')
    await expect(production).to_contain_text(f"Production package {second.package_version}")
    await page.screenshot(path=str(artifacts_dir / "admin-releases.png"), full_page=True)

    await production.get_by_role("link", name=re.compile("Roll back Production")).click()
    await expect(page.locator("h1")).to_contain_text("Roll back Customer Sync in Production?")
    summary = page.locator(".rollback-summary")
    # The version story: the team's dev package version, then Boomi's production package.
    await expect(summary).to_contain_text(f"Production package {second.package_version}")
    await expect(summary).to_contain_text(f"Production package {first.package_version} again")
    await expect(summary.locator(".version-dev")).to_have_count(2)
    await expect(page.locator("main")).not_to_contain_text("package version")
    await page.screenshot(path=str(artifacts_dir / "admin-rollback-preview.png"), full_page=True)
    roll_back = page.get_by_role(
        "button", name=f"Roll back to Production package {first.package_version}"
    )
    await roll_back.click()
    # The browser refuses an empty required reason; nothing was sent.
    await expect(page.locator("h1")).to_contain_text("Roll back Customer Sync")
    await page.get_by_label("Why roll back? (required)").fill("The new country code broke Sync")
    await roll_back.click()

    await expect(page.locator(".notice-success")).to_contain_text(
        f"Rolled back Customer Sync in Production: Production package {first.package_version} "
        f"released again (was Production package {second.package_version})"
    )
    await expect(production).to_contain_text(f"Production package {first.package_version}")
    await section.locator("summary").click()
    await expect(section.locator("tr.rolled-back").first).to_contain_text("Rolled back")
