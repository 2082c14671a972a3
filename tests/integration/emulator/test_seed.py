"""The demo seed: what the demo and later tests rely on."""

from __future__ import annotations

import re

from boomi_promo.emulator.seed.build import build_demo_state
from tests.integration.emulator.boomi import BNS, EVERYTHING, parse, query_all, references_from
from tests.support.servers import EmulatorHandle


def test_dev_connections_hold_secrets_in_every_form(emulator: EmulatorHandle) -> None:
    team_a = emulator.seed.dev_accounts[0].account_id
    documents: list[str] = []
    with emulator.client(params={"overrideAccount": team_a}) as client:
        for mapping in emulator.seed.connection_mappings:
            if mapping.dev_account_id != team_a:
                continue
            response = client.get(f"/Component/{mapping.dev_component_id}")
            root = parse(response)
            assert root.get("type") == "connector-settings"
            documents.append(response.text)
    text = "\n".join(documents)
    forms = {
        "element text": r"<password>s3cr3t-[^<]+</password>",
        "attribute": r'<AuthSettings [^>]*password="s3cr3t-',
        "url attribute": r'url="https://s3cr3t-',
        "field value attribute": r'<field id="password" value="s3cr3t-',
        "field text": r'<field id="host">s3cr3t-',
        "encrypted value": r"<EncryptedValue>s3cr3t-",
        "encryptedValues path": (
            r"<bns:encryptedValue path=\"//GenericConnectorConfig/field\[@id='privateKey'\]"
        ),
    }
    for form, pattern in forms.items():
        assert re.search(pattern, text), form
    planted = [value for value in emulator.seed.secret_values if value in text]
    assert len(planted) >= 10
    assert all("s3cr3t-" in value for value in emulator.seed.secret_values)


def test_connection_mappings_point_at_shared_prod_connections(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        for mapping in emulator.seed.connection_mappings:
            prod = client.get(f"/ComponentMetadata/{mapping.prod_component_id}").json()
            assert prod["type"] == "connector-settings"
            assert prod["folderName"] == "#Connections"
            assert prod["name"] == mapping.component_name
        folder = client.get(f"/Folder/{prod['folderId']}").json()
        assert folder["fullPath"] == "Primary Account/#Connections"
    mapped = {m.dev_component_id for m in emulator.seed.connection_mappings}
    assert emulator.seed.unmapped_connection_id not in mapped
    assert {m.dev_account_id for m in emulator.seed.connection_mappings} == {
        account.account_id for account in emulator.seed.dev_accounts
    }


def test_prior_promotion_is_on_main_with_rewritten_references(emulator: EmulatorHandle) -> None:
    prior = emulator.seed.prior_promotion
    dev_ids = {c.dev_component_id for c in prior.components}
    shared_http = next(
        m.prod_component_id
        for m in emulator.seed.connection_mappings
        if m.component_name == "Orders API"
    )
    with emulator.client() as client:
        for component in prior.components:
            root = parse(client.get(f"/Component/{component.prod_component_id}"))
            assert root.get("version") == str(component.prod_version)
            assert root.get("branchName") == "main"
            assert root.get("folderFullPath").startswith(prior.prod_folder_path)
            content = client.get(f"/Component/{component.prod_component_id}").text
            assert not any(dev_id in content for dev_id in dev_ids)
        referenced = {
            r["componentId"] for r in references_from(client, prior.prod_root_component_id)
        }
        assert shared_http in referenced
        package = client.get(f"/PackagedComponent/{prior.prod_package_id}").json()
        assert package["componentId"] == prior.prod_root_component_id
    with emulator.client(params={"overrideAccount": prior.dev_account_id}) as client:
        dev_package = client.get(f"/PackagedComponent/{prior.dev_package_id}").json()
        assert dev_package["componentId"] == prior.dev_root_component_id


def test_invoice_and_team_b_packages(emulator: EmulatorHandle) -> None:
    seed = emulator.seed
    team_a, team_b = (account.account_id for account in seed.dev_accounts)
    with emulator.client(params={"overrideAccount": team_a}) as client:
        package = client.get(f"/PackagedComponent/{seed.unmapped_connection_package_id}").json()
        references = references_from(client, package["componentId"])
        assert seed.unmapped_connection_id in {r["componentId"] for r in references}
    with emulator.client(params={"overrideAccount": team_b}) as client:
        packages = query_all(client, "PackagedComponent", EVERYTHING)
        assert [p["packageId"] for p in packages] == [seed.team_b_package_id]
        metadata = client.get(f"/ComponentMetadata/{packages[0]['componentId']}").json()
        assert (metadata["name"], metadata["type"]) == ("Inventory Feed", "process")
        root = parse(client.get(f"/Component/{packages[0]['componentId']}"))
        assert root.get("folderFullPath") == "Dev Team B/DevTeamB/Inventory"
        root.find(f"{{{BNS}}}object/process")


def test_the_demo_seed_has_the_same_ids_on_every_build() -> None:
    """A database seeded from one build (promo demo, the test service) matches another."""
    _first_state, first = build_demo_state()
    _second_state, second = build_demo_state()

    assert first.connection_mappings == second.connection_mappings
    assert first.prior_promotion == second.prior_promotion
    assert first.full_tree_package_id == second.full_tree_package_id
