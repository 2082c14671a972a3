"""The Extension Manager in real browsers: alice edits a process property of Client Co Test
(undoing and redoing edits on the way), and carol copies Test to Production from the
confirmation page and watches the job finish.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.test_dashboard import sign_in_as

pytestmark = pytest.mark.browser

JOB_URL = re.compile(r"/jobs/[0-9a-f-]+$")
COPY_TIMEOUT_MS = 30_000
PROCESS_PROPERTIES = "Customer Sync Settings"
CONNECTION = "Orders API"


async def extensions_of(service: Any, environment_id: str) -> dict[str, Any]:
    """The environment's extensions as the emulator's Partner API answers them."""
    async with service.emulator.async_client() as boomi:
        response = await boomi.get(
            f"/EnvironmentExtensions/{environment_id}",
            params={"overrideAccount": service.seed.client_accounts[0].account_id},
        )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def process_property_values(extensions: dict[str, Any]) -> dict[str, Any]:
    component = next(
        p
        for p in extensions["processProperties"]["ProcessProperty"]
        if p["name"] == PROCESS_PROPERTIES
    )
    return {v["key"]: v for v in component["ProcessPropertyValue"]}


def without_process_properties(extensions: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in extensions.items() if k != "processProperties"}


async def open_extensions(page: Page, base_url: str, who: str) -> None:
    await sign_in_as(page, base_url, who)
    await page.locator("nav.lanes").get_by_role("link", name="Extensions", exact=True).click()
    await expect(page.locator("h1")).to_have_text("Extension Manager")


async def test_alice_edits_a_process_property_and_carol_copies_test_to_production(
    open_tab: Callable[[], Awaitable[Page]], demo_service: Any, artifacts_dir: Path
) -> None:
    base_url = demo_service.base_url
    client = demo_service.seed.client_accounts[0]
    before = await extensions_of(demo_service, client.test_environment_id)
    assert process_property_values(before)["batchSize"]["value"] == "250"

    # alice: Client Co is her team's only client account, so Test opens straight away.
    alice = await open_tab()
    await open_extensions(alice, base_url, "Alice Adams")
    await expect(alice.locator(".environment-banner")).to_contain_text("Client Co Test")
    properties = alice.get_by_role("region", name=f"Process properties {PROCESS_PROPERTIES}")
    await properties.get_by_label("Batch size").fill("300")

    connection = alice.get_by_role("region", name=f"Connection {CONNECTION}")
    await expect(connection.locator(".lock-reason")).to_have_text(
        "Connection settings are locked: only admins may change them."
    )
    await expect(connection.get_by_label("url")).to_be_disabled()
    await alice.screenshot(path=str(artifacts_dir / "extensions-manager.png"), full_page=True)

    await alice.get_by_role("button", name="Save…").click()
    await expect(alice.locator("h1")).to_have_text("Save these changes to Client Co Test?")
    changes = alice.locator(".extension-changes > li")
    await expect(changes).to_have_count(1)
    await expect(changes).to_contain_text(PROCESS_PROPERTIES)
    await expect(changes).to_contain_text("Batch size: '250' → '300'")
    await alice.get_by_role("button", name="Save 1 component").click()
    await expect(alice.locator(".notice-success")).to_contain_text("Saved in Client Co Test")

    after = await extensions_of(demo_service, client.test_environment_id)
    values_before, values_after = process_property_values(before), process_property_values(after)
    assert values_after["batchSize"]["value"] == "300"
    assert {k: v for k, v in values_after.items() if k != "batchSize"} == {
        k: v for k, v in values_before.items() if k != "batchSize"
    }
    assert without_process_properties(after) == without_process_properties(before)

    # carol: the copy's confirmation page, then the job to its end.
    carol = await open_tab()
    await open_extensions(carol, base_url, "Carol")
    await carol.get_by_role("link", name="Copy Test → Production…").click()
    await expect(carol.locator("h1")).to_have_text("Copy Client Co Test to Client Co Production?")
    not_copied = carol.locator(".copy-excluded")
    await expect(not_copied).to_contain_text("Connections")
    await expect(not_copied).to_contain_text("PGP certificates")
    await expect(carol.locator(".copy-preview")).to_contain_text(PROCESS_PROPERTIES)
    prod_before = await extensions_of(demo_service, client.prod_environment_id)
    # Old → new for each value the copy changes: Production's batch size becomes Test's.
    prod_batch = process_property_values(prod_before)["batchSize"]
    shown_before = "(default)" if prod_batch.get("useDefault") else prod_batch["value"]
    batch = carol.locator('.copy-preview tr:has(td.copy-label:text-is("Batch size"))')
    await expect(batch.locator(".copy-old")).to_have_text(shown_before)
    await expect(batch.locator(".copy-new")).to_have_text("300")
    heading = await carol.locator("#copied-heading").inner_text()
    counted = re.search(r"(\d+) values?$", heading)
    assert counted is not None, heading
    previewed = int(counted.group(1))
    assert previewed == await carol.locator(".copy-preview tbody tr").count()
    # Secrets are named as left out, never shown as values.
    secrets = {
        v["value"]
        for v in process_property_values(before).values()
        if v.get("usesEncryption") and v.get("value")
    }
    page_text = await carol.locator("main").inner_text()
    assert not any(secret in page_text for secret in secrets)
    await carol.screenshot(path=str(artifacts_dir / "extensions-copy.png"), full_page=True)

    await carol.get_by_role("button", name="Copy to Production").click()
    await expect(carol).to_have_url(JOB_URL)
    await expect(carol.locator(".notice-success")).to_contain_text(
        "Copy complete.", timeout=COPY_TIMEOUT_MS
    )
    await expect(carol.locator(".notice-success")).to_contain_text("encrypted value")
    # The result counts what the preview listed.
    plural = "" if previewed == 1 else "s"
    await expect(carol.locator(".notice-success")).to_contain_text(
        f"{previewed} value{plural} copied to Production"
    )
    await carol.screenshot(path=str(artifacts_dir / "extensions-copy-done.png"), full_page=True)

    prod_after = await extensions_of(demo_service, client.prod_environment_id)
    assert process_property_values(prod_after)["batchSize"]["value"] == "300"
    assert prod_after["connections"] == prod_before["connections"]
    assert prod_after["PGPCertificates"] == prod_before["PGPCertificates"]


async def test_alice_undoes_and_redoes_her_edits_before_saving(
    open_tab: Callable[[], Awaitable[Page]], demo_service: Any
) -> None:
    client = demo_service.seed.client_accounts[0]
    before = await extensions_of(demo_service, client.test_environment_id)
    alice = await open_tab()
    await open_extensions(alice, demo_service.base_url, "Alice Adams")
    properties = alice.get_by_role("region", name=f"Process properties {PROCESS_PROPERTIES}")
    batch_size = properties.get_by_label("Batch size")
    undo = alice.get_by_role("button", name="Undo", exact=True)
    redo = alice.get_by_role("button", name="Redo", exact=True)
    await expect(batch_size).to_have_value("250")
    await expect(undo).to_be_disabled()
    await expect(redo).to_be_disabled()

    # Two edits, each finished by leaving the field.
    await batch_size.fill("300")
    await batch_size.press("Tab")
    await batch_size.fill("400")
    await batch_size.press("Tab")
    await expect(undo).to_be_enabled()

    await undo.click()
    await expect(batch_size).to_have_value("300")
    await expect(redo).to_be_enabled()
    await alice.keyboard.press("Control+Shift+Z")
    await expect(batch_size).to_have_value("400")
    await expect(redo).to_be_disabled()
    await undo.click()
    await alice.keyboard.press("Control+Z")
    await expect(batch_size).to_have_value("250")
    await expect(undo).to_be_disabled()

    # A new edit after undoing drops what could have been redone.
    await batch_size.fill("275")
    await batch_size.press("Tab")
    await expect(redo).to_be_disabled()
    await alice.get_by_role("button", name="Save…").click()
    changes = alice.locator(".extension-changes > li")
    await expect(changes).to_have_count(1)
    await expect(changes).to_contain_text("Batch size: '250' → '275'")
    await alice.get_by_role("button", name="Save 1 component").click()
    await expect(alice.locator(".notice-success")).to_contain_text("Saved in Client Co Test")

    after = await extensions_of(demo_service, client.test_environment_id)
    assert process_property_values(after)["batchSize"]["value"] == "275"
    assert {k: v for k, v in process_property_values(after).items() if k != "batchSize"} == {
        k: v for k, v in process_property_values(before).items() if k != "batchSize"
    }


async def test_alice_undoes_a_mapping_choice_in_the_map_extension_editor(
    open_tab: Callable[[], Awaitable[Page]], demo_service: Any
) -> None:
    alice = await open_tab()
    await open_extensions(alice, demo_service.base_url, "Alice Adams")
    await alice.get_by_role("link", name="Customer JSON - Customer XML").click()
    await alice.get_by_role("link", name="Edit this map extension").click()
    remove_first = alice.locator(".map-mappings input[type=checkbox]").first
    source = alice.get_by_label("Add a mapping from")
    undo = alice.get_by_role("button", name="Undo", exact=True)
    redo = alice.get_by_role("button", name="Redo", exact=True)

    await remove_first.check()
    await source.select_option("Customer/Object/name")
    await undo.click()
    await expect(source).to_have_value("")
    await expect(remove_first).to_be_checked()
    await undo.click()
    await expect(remove_first).not_to_be_checked()
    await expect(undo).to_be_disabled()
    await redo.click()
    await expect(remove_first).to_be_checked()


async def test_alice_adds_a_mapping_in_the_map_extension_editor(
    open_tab: Callable[[], Awaitable[Page]], demo_service: Any, artifacts_dir: Path
) -> None:
    alice = await open_tab()
    await open_extensions(alice, demo_service.base_url, "Alice Adams")
    await alice.get_by_role("link", name="Customer JSON - Customer XML").click()
    mappings = alice.locator(".map-mappings li")
    await expect(mappings).to_have_count(3)
    await expect(mappings.first).to_have_text("Customer/Object/email → Customer/email")

    await alice.get_by_role("link", name="Edit this map extension").click()
    await alice.get_by_label("Add a mapping from").select_option("Customer/Object/name")
    await alice.get_by_label("to", exact=True).select_option("Customer/name")
    await alice.screenshot(path=str(artifacts_dir / "extensions-map-editor.png"), full_page=True)
    await alice.get_by_role("button", name="Save changes").click()

    await expect(alice.locator(".notice-success")).to_contain_text(
        "Mapping added: Customer/Object/name → Customer/name"
    )
    await expect(mappings).to_have_count(4)
    extension = next(
        e
        for e in demo_service.emulator.state.map_extensions.values()
        if e.environment_id == demo_service.seed.client_accounts[0].test_environment_id
    )
    assert [(m.from_xpath, m.to_xpath) for m in extension.mappings][-1] == (
        "Customer/Object/name",
        "Customer/name",
    )
