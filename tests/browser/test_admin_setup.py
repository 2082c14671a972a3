"""An admin sets up a new team and a new client account in the dashboard alone: grants the
team its dev account, maps its connection to the shared one found by name, imports mappings
from a file, sets up a client account with environments picked by name, and takes access
away again — in headless Chromium against the demo (emulator over HTTP, a fresh store).

Screenshots land in test-artifacts/; docs/screenshots/ holds copies of them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.integration.emulator.boomi import component_xml, create

pytestmark = pytest.mark.browser

TEAM_C_ID = "devteamc-DVC001"
TEAM_C_GROUP = "ABC_BOOMI_FLOW_DEVTEAMC"
CLIENT_ID = "northwind-NWD001"


async def sign_in_as(page: Page, base_url: str, name: str) -> None:
    await page.goto(f"{base_url}/login")
    await page.get_by_role("button", name=re.compile(name)).click()


def new_team_account(service: Any) -> str:
    """Dev Team C's sub-account in Boomi, with a connection of its own; its dev connection id."""
    state = service.emulator.state
    state.add_account(TEAM_C_ID, "Dev Team C", parent_account_id=service.seed.primary_account_id)
    with service.emulator.client() as boomi:
        created = create(
            boomi,
            component_xml(
                name="Team C Orders API", type_="connector-settings", content="<Settings/>"
            ),
            overrideAccount=TEAM_C_ID,
        )
    component_id: str = created.get("componentId") or ""
    assert component_id
    return component_id


async def test_an_admin_sets_up_a_new_team_without_the_api(
    page: Page, demo_service: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    dev_connection = new_team_account(demo_service)
    base_url = demo_service.base_url
    await sign_in_as(page, base_url, "Carol Clark")
    await page.get_by_role("link", name="Dev Account Access").click()

    # A group outside the team prefix is refused beside its input, and what was typed is kept.
    await page.get_by_label("Find a sub-account by name").fill("team c")
    await page.get_by_role("button", name="Find").click()
    await page.get_by_label("Dev account", exact=True).select_option(
        label=f"Dev Team C ({TEAM_C_ID})"
    )
    await page.get_by_label("Team group", exact=True).fill("TEAM_C")
    await page.get_by_role("button", name="Grant access").click()
    await expect(page.locator("#grant-group-error")).to_contain_text("ABC_BOOMI_FLOW_DEVTEAM")
    await expect(page.get_by_label("Team group", exact=True)).to_have_value("TEAM_C")
    await expect(page.get_by_label("Dev account", exact=True)).to_have_value(TEAM_C_ID)

    await page.get_by_label("Team group", exact=True).fill(TEAM_C_GROUP)
    await page.get_by_role("button", name="Grant access").click()
    await expect(page.locator(".notice-success")).to_contain_text(
        f"{TEAM_C_GROUP} may now promote from Dev Team C"
    )
    row = page.locator(f'tr[data-grant="{TEAM_C_GROUP}/{TEAM_C_ID}"]')
    await expect(row).to_contain_text("Active")
    await page.screenshot(path=str(artifacts_dir / "admin-dev-account-access.png"), full_page=True)

    # The team's connection is mapped to the shared one, found by name in Boomi.
    await page.get_by_role("link", name="Mappings").click()
    await page.get_by_label("Part of the connection's name").fill("orders api")
    await page.get_by_label("Folder contains").fill("#Connections")
    await page.get_by_role("button", name="Find in Boomi").click()
    found = page.locator("table.found-connections tbody tr")
    await expect(found.first).to_be_visible()
    shared_id = (await found.first.locator(".mono").inner_text()).strip()
    await found.first.get_by_role("link", name=re.compile("Use")).click()
    await expect(page.get_by_label("Prod connection id")).to_have_value(shared_id)
    await page.screenshot(
        path=str(artifacts_dir / "admin-mappings-find-connection.png"), full_page=True
    )
    await page.get_by_label("Dev account in row 1").select_option(label="Dev Team C")
    await page.get_by_label("Dev connection id in row 1").fill(dev_connection)
    await page.get_by_role("button", name="Seed mappings").click()
    await expect(page.locator(".notice-success")).to_contain_text("Seeded 1 connection mapping")
    await expect(page.locator(f'tr[data-dev-component-id="{dev_connection}"]')).to_contain_text(
        shared_id
    )

    # Bulk import from a file: checked first, then written.
    team_a = demo_service.seed.dev_accounts[0].account_id
    csv_path = tmp_path / "mappings.csv"
    csv_path.write_text(
        "devComponentId,devAccountId,prodComponentId,componentName,componentType\n"
        f"dev-bulk-1,{team_a},{shared_id},Bulk API,connector-settings\n"
        f"dev-bulk-2,{team_a},{shared_id},Bulk DB,connector-settings\n",
        encoding="utf-8",
    )
    await page.get_by_label("CSV file", exact=True).set_input_files(str(csv_path))
    await page.get_by_label("Only check the file; write nothing").check()
    await page.get_by_role("button", name="Import").click()
    await expect(page.locator("#import .notice-success")).to_contain_text(
        "2 created, 0 updated, 0 unchanged"
    )
    await expect(page.locator("#import")).to_contain_text("Nothing was written")
    await page.get_by_label("CSV file", exact=True).set_input_files(str(csv_path))
    await page.get_by_role("button", name="Import").click()
    await expect(page.locator(".notice-success").first).to_contain_text("2 created")
    bad_path = tmp_path / "bad.csv"
    bad_path.write_text("devComponentId,devAccountId\nx,y\n", encoding="utf-8")
    await page.get_by_label("CSV file", exact=True).set_input_files(str(bad_path))
    await page.get_by_role("button", name="Import").click()
    await expect(page.locator("#import .notice-error")).to_contain_text("Nothing was imported")
    await expect(page.locator(".import-problems li").first).to_be_visible()


async def test_an_admin_sets_up_a_client_account_picking_environments_by_name(
    page: Page, demo_service: Any, artifacts_dir: Path
) -> None:
    state = demo_service.emulator.state
    state.add_account(
        CLIENT_ID, "Northwind", parent_account_id=demo_service.seed.primary_account_id
    )
    test = state.add_environment(CLIENT_ID, "Northwind QA", "TEST")
    prod = state.add_environment(CLIENT_ID, "Northwind Live", "PROD")
    base_url = demo_service.base_url
    await sign_in_as(page, base_url, "Carol Clark")

    await page.get_by_role("link", name="Client Accounts").click()
    await page.get_by_label("Client account", exact=True).select_option(
        label=f"Northwind ({CLIENT_ID})"
    )
    await page.get_by_role("button", name="Show its environments").click()
    await expect(page.get_by_label("Test environment")).to_have_value(test.environment_id)
    await expect(page.get_by_label("Production environment")).to_have_value(prod.environment_id)
    await page.get_by_label("SSO group that edits its extensions").fill("NORTHWIND_EDITORS")
    await page.get_by_role("button", name="Save the client account").click()

    await expect(page.locator(".notice-success")).to_contain_text(
        "Northwind is set up: NORTHWIND_EDITORS edits the extensions of Northwind QA and "
        "Northwind Live"
    )
    row = page.locator(f'tr[data-client="{CLIENT_ID}/NORTHWIND_EDITORS"]')
    await expect(row).to_contain_text("Active")
    await page.screenshot(path=str(artifacts_dir / "admin-client-accounts.png"), full_page=True)

    await row.get_by_role("button", name="Deactivate…").click()
    await expect(page.locator("h1")).to_have_text("Deactivate this client account set-up?")
    await page.get_by_role("button", name="Deactivate").click()
    await expect(page.locator(".notice-success")).to_contain_text("Deactivated")
    await expect(row).to_contain_text("Inactive")


async def test_revoking_a_grant_asks_first_and_takes_the_account_away(
    open_tab: Any, demo_service: Any
) -> None:
    base_url = demo_service.base_url
    team_a = demo_service.seed.dev_accounts[0].account_id
    carol = await open_tab()
    await sign_in_as(carol, base_url, "Carol Clark")
    await carol.goto(f"{base_url}/admin/accounts")
    row = carol.locator(f'tr[data-grant="ABC_BOOMI_FLOW_DEVTEAMA/{team_a}"]')

    await row.get_by_role("button", name="Revoke…").click()
    await expect(carol.locator("h1")).to_have_text("Revoke this grant?")
    await carol.get_by_role("button", name="Revoke the grant").click()
    await expect(carol.locator(".notice-success")).to_contain_text("Revoked")
    await expect(row).to_contain_text("Revoked")

    alice = await open_tab()
    await sign_in_as(alice, base_url, "Alice Adams")
    await expect(alice.locator("main")).not_to_contain_text("Dev Team A")

    await row.get_by_role("button", name="Grant again").click()
    await expect(row).to_contain_text("Active")
    await alice.goto(f"{base_url}/packages")
    await expect(alice.locator("#account option:checked")).to_have_text("Dev Team A")
