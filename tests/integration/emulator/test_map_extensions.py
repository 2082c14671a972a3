"""Map-extension summaries and EnvironmentMapExtension: replace on update, change markers."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx

from boomi_promo.emulator.state.world import EmulatorState
from tests.integration.emulator.boomi import EVERYTHING, eq, query_all
from tests.support.servers import EmulatorHandle


def client_of(emulator: EmulatorHandle) -> httpx.Client:
    account = emulator.seed.client_accounts[0].account_id
    return emulator.client(params={"overrideAccount": account})


def summary(client: httpx.Client, environment_id: str) -> dict[str, Any]:
    found = query_all(
        client, "EnvironmentMapExtensionsSummary", eq("environmentId", environment_id)
    )
    assert len(found) == 1
    return found[0]


def fetch(client: httpx.Client, extension_id: str) -> httpx.Response:
    response = client.get(f"/EnvironmentMapExtension/{extension_id}")
    assert response.status_code == 200, response.text
    return response


def mappings(extension: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = extension["Map"]["ExtendedMappings"]["Mapping"]
    return found


def test_each_client_environment_has_one_map_extension(emulator: EmulatorHandle) -> None:
    seed = emulator.seed
    client_account = seed.client_accounts[0]
    prior = {c.component_name: c.prod_component_id for c in seed.prior_promotion.components}
    with client_of(emulator) as client:
        items = query_all(client, "EnvironmentMapExtensionsSummary", EVERYTHING)
        assert {i["environmentId"] for i in items} == {
            client_account.test_environment_id,
            client_account.prod_environment_id,
        }
        item = summary(client, client_account.test_environment_id)
        assert item["@type"] == "EnvironmentMapExtensionsSummary"
        assert item["mapId"] == prior["Customer JSON to XML"]
        assert item["processId"] == seed.prior_promotion.prod_root_component_id
        assert item["name"] == "Customer JSON - Customer XML"
        assert item["extensionGroupId"] == ""
        assert item["SourceFieldSet"]["connectionId"]
        extension = fetch(client, item["id"]).json()
    assert extension["@type"] == "EnvironmentMapExtension"
    assert extension["version"] == 1
    assert extension["Map"]["SourceProfile"]["componentId"] == prior["Customer JSON"]
    nodes = {n["xpath"] for n in extension["Map"]["DestinationProfile"]["Node"]}
    assert "Customer/country" in nodes
    functions = extension["Map"]["ExtendedFunctions"]["Function"]
    assert [(f["id"], f["type"]) for f in functions] == [("FUNCEXT-1", "StringToUpper")]
    assert len(mappings(extension)) == 3


def test_update_replaces_the_whole_extension_and_counts_versions(
    emulator: EmulatorHandle,
) -> None:
    environment_id = emulator.seed.client_accounts[0].test_environment_id
    with client_of(emulator) as client:
        extension_id = summary(client, environment_id)["id"]
        first = fetch(client, extension_id)
        assert first.headers["ETag"] == '"1"'
        body = copy.deepcopy(first.json())
        # Keep only the e-mail mapping and add a name mapping; drop the function.
        body["Map"]["ExtendedFunctions"]["Function"] = []
        body["Map"]["ExtendedMappings"]["Mapping"] = [
            {"fromXPath": "Customer/Object/email", "toXPath": "Customer/email"},
            {"fromXPath": "Customer/Object/name", "toXPath": "Customer/name"},
        ]
        replaced = client.post(f"/EnvironmentMapExtension/{extension_id}", json=body)
        assert replaced.status_code == 200, replaced.text
        assert replaced.headers["ETag"] == '"2"'
        second = fetch(client, extension_id)
        assert second.headers["ETag"] == '"2"'
        assert second.json() == replaced.json()
        assert second.json()["version"] == 2
        assert [m["toXPath"] for m in mappings(second.json())] == [
            "Customer/email",
            "Customer/name",
        ]
        assert second.json()["Map"]["ExtendedFunctions"]["Function"] == []

        # A body without mappings removes them all; the legacy /update path is not served.
        emptied = {
            "id": extension_id,
            "Map": {**second.json()["Map"], "ExtendedMappings": {"Mapping": []}},
        }
        gone = client.post(f"/EnvironmentMapExtension/{extension_id}", json=emptied)
        assert gone.status_code == 200
        assert gone.json()["version"] == 3 and mappings(gone.json()) == []
        legacy = client.post(f"/EnvironmentMapExtension/{extension_id}/update", json=emptied)
        assert legacy.status_code == 404

        # The other environment's extension is untouched.
        production = summary(client, emulator.seed.client_accounts[0].prod_environment_id)
        assert fetch(client, production["id"]).json()["version"] == 1


def test_a_stale_read_is_detectable_by_its_marker(emulator: EmulatorHandle) -> None:
    """Boomi itself replaces blindly; the version/ETag lets a writer see the change."""
    environment_id = emulator.seed.client_accounts[0].test_environment_id
    with client_of(emulator) as client:
        extension_id = summary(client, environment_id)["id"]
        alice = fetch(client, extension_id)
        bob = fetch(client, extension_id)
        bob_body = bob.json()
        bob_body["Map"]["ExtendedMappings"]["Mapping"].append(
            {"fromXPath": "Customer/Object/customerId", "toXPath": "Customer/customerId"}
        )
        assert client.post(f"/EnvironmentMapExtension/{extension_id}", json=bob_body).is_success
        current = fetch(client, extension_id)
    assert current.headers["ETag"] != alice.headers["ETag"]
    assert current.json()["version"] == alice.json()["version"] + 1


def test_invalid_replacements_are_refused_and_change_nothing(emulator: EmulatorHandle) -> None:
    environment_id = emulator.seed.client_accounts[0].test_environment_id
    with client_of(emulator) as client:
        extension_id = summary(client, environment_id)["id"]
        before: dict[str, Any] = fetch(client, extension_id).json()

        def with_mappings(*entries: dict[str, str]) -> dict[str, Any]:
            body = copy.deepcopy(before)
            body["Map"]["ExtendedMappings"]["Mapping"] = list(entries)
            return body

        cases = {
            "unknown source field": with_mappings(
                {"fromXPath": "Customer/Object/nope", "toXPath": "Customer/email"}
            ),
            "unknown destination field": with_mappings(
                {"fromXPath": "Customer/Object/email", "toXPath": "Customer/nope"}
            ),
            "missing function": with_mappings(
                {"fromXPath": "1", "fromFunction": "FUNCEXT-9", "toXPath": "Customer/email"}
            ),
            "another environment": {**before, "environmentId": "elsewhere"},
            "no Map": {"id": extension_id},
        }
        for case, body in cases.items():
            refused = client.post(f"/EnvironmentMapExtension/{extension_id}", json=body)
            assert refused.status_code == 400, case
        assert fetch(client, extension_id).json() == before
        assert client.get("/EnvironmentMapExtension/unknown").status_code == 404
    with emulator.client() as primary:
        assert primary.get(f"/EnvironmentMapExtension/{extension_id}").status_code == 404
    with emulator.client(params={"overrideAccount": "not-a-sub-account"}) as outsider:
        assert outsider.get(f"/EnvironmentMapExtension/{extension_id}").status_code == 403


def test_custom_profile_fields_can_be_mapped_and_survive_a_reload(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    environment_id = emulator.seed.client_accounts[0].prod_environment_id
    with client_of(emulator) as client:
        extension_id = summary(client, environment_id)["id"]
        body = fetch(client, extension_id).json()
        body["Map"]["DestinationProfileExtensions"] = {
            "Node": [{"name": "loyaltyTier", "xpath": "Customer/loyaltyTier"}]
        }
        body["Map"]["ExtendedMappings"]["Mapping"].append(
            {"fromXPath": "Customer/Object/country", "toXPath": "Customer/loyaltyTier"}
        )
        saved = client.post(f"/EnvironmentMapExtension/{extension_id}", json=body)
        assert saved.status_code == 200, saved.text
    path = tmp_path / "state.json"
    emulator.state.save(path)
    emulator.use_state(EmulatorState.load(path))
    with client_of(emulator) as client:
        reloaded = fetch(client, extension_id)
    assert reloaded.json() == saved.json()
    assert reloaded.headers["ETag"] == '"2"'
