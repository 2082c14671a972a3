"""EnvironmentExtensions over HTTP: the client account's seed, partial and full updates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from boomi_promo.emulator.state.world import EmulatorState
from tests.integration.emulator.boomi import (
    BNS,
    EVERYTHING,
    XML,
    eq,
    query_all,
    with_every_section,
)
from tests.support.servers import EmulatorHandle

SECTIONS = (
    ("connections", "connection"),
    ("operations", "operation"),
    ("tradingPartners", "tradingPartner"),
    ("sharedCommunications", "sharedCommunication"),
    ("crossReferences", "crossReference"),
    ("properties", "property"),
    ("processProperties", "ProcessProperty"),
    ("PGPCertificates", "PGPCertificate"),
)


def client_of(emulator: EmulatorHandle) -> httpx.Client:
    account = emulator.seed.client_accounts[0].account_id
    return emulator.client(params={"overrideAccount": account})


def read(client: httpx.Client, environment_id: str) -> dict[str, Any]:
    response = client.get(f"/EnvironmentExtensions/{environment_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def section(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    item = dict(SECTIONS)[name]
    entries: list[dict[str, Any]] = body[name][item]
    return entries


def by_name(entries: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(e for e in entries if e["name"] == name)


def fields(component: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in component["field"]}


def values(component: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["key"]: v for v in component["ProcessPropertyValue"]}


def update(client: httpx.Client, environment_id: str, body: dict[str, Any]) -> httpx.Response:
    return client.post(f"/EnvironmentExtensions/{environment_id}", json=with_every_section(body))


def test_client_environments_have_every_section_populated(emulator: EmulatorHandle) -> None:
    seed = emulator.seed
    client_account = seed.client_accounts[0]
    assert client_account.name == "Client Co"
    assert emulator.state.is_descendant(client_account.account_id, seed.primary_account_id)
    prior = {c.component_name: c.prod_component_id for c in seed.prior_promotion.components}
    shared_connections = {m.prod_component_id for m in seed.connection_mappings}
    with client_of(emulator) as client:
        environments = client.post("/Environment/query", json=EVERYTHING).json()
        assert sorted((e["name"], e["classification"]) for e in environments["result"]) == [
            ("Client Co Production", "PROD"),
            ("Client Co Test", "TEST"),
        ]
        for environment_id in (
            client_account.test_environment_id,
            client_account.prod_environment_id,
        ):
            body = read(client, environment_id)
            assert body["@type"] == "EnvironmentExtensions"
            assert body["id"] == body["environmentId"] == environment_id
            for name, _item in SECTIONS:
                assert section(body, name), f"{name} is empty"
            assert {c["id"] for c in section(body, "connections")} == shared_connections
            assert [o["id"] for o in section(body, "operations")] == [prior["Get Customers"]]
            partner = section(body, "tradingPartners")[0]
            assert fields(partner["category"][0])["url"]["value"].startswith("https://as2.")
            assert section(body, "sharedCommunications")[0]["type"] == "AS2"
            table = section(body, "crossReferences")[0]
            assert all("ref1" in row for row in table["CrossReferenceRows"]["row"])
            assert {p["name"] for p in section(body, "properties")} == {
                "customerSyncBatchSize",
                "notificationEmail",
            }
            settings = values(section(body, "processProperties")[0])
            assert set(settings) == {"batchSize", "targetRegion", "webhookToken"}
            assert section(body, "PGPCertificates")[0]["value"]
    component_twins = {c.component_type for c in seed.extension_components}
    assert component_twins == {"processproperty", "crossref"}


def test_encrypted_values_are_never_returned(emulator: EmulatorHandle) -> None:
    environment_id = emulator.seed.client_accounts[0].prod_environment_id
    with client_of(emulator) as client:
        json_text = client.get(f"/EnvironmentExtensions/{environment_id}").text
        xml_text = client.get(
            f"/EnvironmentExtensions/{environment_id}", headers={"Accept": "application/xml"}
        ).text
        listed = client.post(
            "/EnvironmentExtensions/query", json=eq("environmentId", environment_id)
        )
        body = read(client, environment_id)
    for text in (json_text, xml_text, listed.text):
        assert "s3cr3t-" not in text
    password = fields(by_name(section(body, "connections"), "Orders API"))["password"]
    assert password["usesEncryption"] is True
    assert password["encryptedValueSet"] is True
    assert "value" not in password
    unset = fields(by_name(section(body, "connections"), "Partner SFTP"))["password"]
    assert unset["encryptedValueSet"] is False
    token = values(section(body, "processProperties")[0])["webhookToken"]
    assert token["encryptedValueSet"] is True and "value" not in token


def test_partial_update_changes_only_what_it_names(emulator: EmulatorHandle) -> None:
    environment_id = emulator.seed.client_accounts[0].test_environment_id
    with client_of(emulator) as client:
        before = read(client, environment_id)
        orders_api = by_name(section(before, "connections"), "Orders API")
        body = {
            "environmentId": environment_id,
            "partial": True,
            "connections": {
                "connection": [
                    {
                        "id": orders_api["id"],
                        "field": [{"id": "url", "value": "https://new.example"}],
                    }
                ]
            },
            "properties": {"property": [{"name": "notificationEmail", "value": "new@example.com"}]},
        }
        answered = update(client, environment_id, body)
        assert answered.status_code == 200, answered.text
        after = read(client, environment_id)
    assert answered.json() == after
    changed = fields(by_name(section(after, "connections"), "Orders API"))
    assert changed["url"] == {**fields(orders_api)["url"], "value": "https://new.example"}
    # The rest of the connection, its secret, and every other section are as they were.
    assert changed["user"] == fields(orders_api)["user"]
    assert changed["password"]["encryptedValueSet"] is True
    emails = {p["name"]: p["value"] for p in section(after, "properties")}
    assert emails["notificationEmail"] == "new@example.com"
    for name, _item in SECTIONS:
        if name not in ("connections", "properties"):
            assert after[name] == before[name], name
    others_before = [c for c in section(before, "connections") if c["id"] != orders_api["id"]]
    others_after = [c for c in section(after, "connections") if c["id"] != orders_api["id"]]
    assert others_after == others_before


def test_full_update_reverts_what_it_leaves_out(emulator: EmulatorHandle) -> None:
    environment_id = emulator.seed.client_accounts[0].test_environment_id
    with client_of(emulator) as client:
        before = read(client, environment_id)
        batch = by_name(section(before, "properties"), "customerSyncBatchSize")
        assert batch["value"] == "50"
        body = {"properties": {"property": [{"name": "customerSyncBatchSize", "value": "75"}]}}
        assert update(client, environment_id, body).status_code == 200
        after = read(client, environment_id)
    assert {p["name"]: p["value"] for p in section(after, "properties")} == {
        "customerSyncBatchSize": "75",
        "notificationEmail": "ops@example.com",
    }
    url = fields(by_name(section(after, "connections"), "Orders API"))["url"]
    assert url["useDefault"] is True and url["value"] == "https://orders.example.com/api"
    password = fields(by_name(section(after, "connections"), "Orders API"))["password"]
    assert password["encryptedValueSet"] is False
    table = section(after, "crossReferences")[0]
    assert table["overrideValues"] is False
    assert [r["ref1"] for r in table["CrossReferenceRows"]["row"]] == ["NL", "US"]
    assert all(v["useDefault"] for v in values(section(after, "processProperties")[0]).values())


def test_setting_an_encrypted_value_stores_it_without_returning_it(
    emulator: EmulatorHandle,
) -> None:
    environment_id = emulator.seed.client_accounts[0].prod_environment_id
    with client_of(emulator) as client:
        sftp = by_name(section(read(client, environment_id), "connections"), "Partner SFTP")
        body = {
            "partial": True,
            "connections": {
                "connection": [
                    {
                        "id": sftp["id"],
                        "field": [
                            {"id": "password", "value": "s3cr3t-new-sftp", "useDefault": False}
                        ],
                    }
                ]
            },
        }
        answered = update(client, environment_id, body)
        assert answered.status_code == 200
        assert "s3cr3t-new-sftp" not in answered.text
        # Echoing the read (no value for the secret) keeps the secret.
        echoed = {"partial": True, "connections": read(client, environment_id)["connections"]}
        assert update(client, environment_id, echoed).status_code == 200
        after = read(client, environment_id)
    password = fields(by_name(section(after, "connections"), "Partner SFTP"))["password"]
    assert password["encryptedValueSet"] is True and password["useDefault"] is False
    extensions = emulator.state.environment_extensions[environment_id]
    stored = next(c for c in extensions.connections if c.component_id == sftp["id"])
    assert stored.settings[1].override_value == "s3cr3t-new-sftp"


def test_a_cross_reference_table_is_replaced_whole(emulator: EmulatorHandle) -> None:
    environment_id = emulator.seed.client_accounts[0].test_environment_id
    with client_of(emulator) as client:
        table = section(read(client, environment_id), "crossReferences")[0]
        assert len(table["CrossReferenceRows"]["row"]) == 2
        one_row = {
            "partial": True,
            "crossReferences": {
                "crossReference": [
                    {
                        "id": table["id"],
                        "overrideValues": True,
                        "CrossReferenceRows": {"row": [{"ref1": "FR", "ref2": "France"}]},
                    }
                ]
            },
        }
        assert update(client, environment_id, one_row).status_code == 200
        rows = section(read(client, environment_id), "crossReferences")[0]["CrossReferenceRows"]
        assert rows["row"] == [
            {"@type": "CrossReferenceRow", "ref1": "FR", "ref2": "France", "ref3": ""}
        ]
        too_wide = dict(one_row)
        too_wide["crossReferences"] = {
            "crossReference": [
                {"id": table["id"], "CrossReferenceRows": {"row": [{"ref4": "extra"}]}}
            ]
        }
        refused = update(client, environment_id, too_wide)
        assert refused.status_code == 400
        assert "ref4" in refused.json()["message"]


def test_a_process_property_component_must_carry_all_its_values(
    emulator: EmulatorHandle,
) -> None:
    environment_id = emulator.seed.client_accounts[0].test_environment_id
    with client_of(emulator) as client:
        before = read(client, environment_id)
        component = section(before, "processProperties")[0]

        def sending(*entries: dict[str, Any]) -> dict[str, Any]:
            return {
                "partial": True,
                "processProperties": {
                    "ProcessProperty": [
                        {"id": component["id"], "ProcessPropertyValue": list(entries)}
                    ]
                },
                "properties": {"property": [{"name": "notificationEmail", "value": "x@y.z"}]},
            }

        refused = update(client, environment_id, sending({"key": "batchSize", "value": "9"}))
        assert refused.status_code == 400
        assert "targetRegion" in refused.json()["message"]
        assert read(client, environment_id) == before  # nothing written, not even properties

        complete = sending(
            {"key": "batchSize", "value": "9", "useDefault": False},
            {"key": "targetRegion", "useDefault": True},
            {"key": "webhookToken", "useDefault": False},
        )
        assert update(client, environment_id, complete).status_code == 200
        after = values(section(read(client, environment_id), "processProperties")[0])
    assert after["batchSize"]["value"] == "9"
    assert after["webhookToken"]["encryptedValueSet"] is True


def test_xml_get_and_update_and_no_legacy_paths(emulator: EmulatorHandle) -> None:
    environment_id = emulator.seed.client_accounts[0].prod_environment_id
    with client_of(emulator) as client:
        xml = client.get(f"/EnvironmentExtensions/{environment_id}", headers=XML)
        assert xml.status_code == 200
        root = etree.fromstring(xml.content)
        assert root.tag == f"{{{BNS}}}EnvironmentExtensions"
        assert root.get("environmentId") == environment_id
        connection = root.find(f"{{{BNS}}}connections/{{{BNS}}}connection")
        assert connection is not None and connection.get("name") == "Orders API"
        process_property = section(read(client, environment_id), "processProperties")[0]
        body = (
            f'<bns:EnvironmentExtensions xmlns:bns="{BNS}" environmentId="{environment_id}" '
            'partial="true"><bns:processProperties>'
            f'<bns:ProcessProperty id="{process_property["id"]}" name="Customer Sync Settings">'
            '<bns:ProcessPropertyValue key="batchSize" value="321" useDefault="false"/>'
            '<bns:ProcessPropertyValue key="targetRegion" value="US" useDefault="false"/>'
            '<bns:ProcessPropertyValue key="webhookToken" useDefault="false"/>'
            "</bns:ProcessProperty></bns:processProperties>"
            '<bns:properties><bns:property name="customerSyncBatchSize" value="7"/>'
            "</bns:properties>"
            "</bns:EnvironmentExtensions>"
        )
        updated = client.post(f"/EnvironmentExtensions/{environment_id}", content=body, headers=XML)
        assert updated.status_code == 200, updated.text
        assert etree.fromstring(updated.content).tag == f"{{{BNS}}}EnvironmentExtensions"
        # Path forms Boomi's OpenAPI document lacks are not served.
        legacy = client.post(
            f"/EnvironmentExtensions/{environment_id}/update", content=body, headers=XML
        )
        repo_form = client.post(
            "/EnvironmentExtensions",
            json=with_every_section({"environmentId": environment_id, "partial": True}),
        )
        assert (legacy.status_code, repo_form.status_code) == (404, 404)
        after = read(client, environment_id)
    settings = values(section(after, "processProperties")[0])
    assert (settings["batchSize"]["value"], settings["targetRegion"]["value"]) == ("321", "US")
    assert {p["name"]: p["value"] for p in section(after, "properties")} == {
        "customerSyncBatchSize": "7",
        "notificationEmail": "clientco-prod@example.com",
    }


def test_unknown_components_and_mismatched_ids_are_refused(emulator: EmulatorHandle) -> None:
    client_account = emulator.seed.client_accounts[0]
    environment_id = client_account.test_environment_id
    with client_of(emulator) as client:
        before = read(client, environment_id)
        unknown = update(
            client,
            environment_id,
            {"partial": True, "connections": {"connection": [{"id": "not-installed"}]}},
        )
        assert unknown.status_code == 400
        other = update(
            client,
            environment_id,
            {"partial": True, "environmentId": client_account.prod_environment_id},
        )
        assert other.status_code == 400
        assert client.get("/EnvironmentExtensions/no-such-environment").status_code == 404
        assert read(client, environment_id) == before
    # The primary account does not see its client's environments without overrideAccount.
    with emulator.client() as primary:
        assert primary.get(f"/EnvironmentExtensions/{environment_id}").status_code == 404


def test_override_account_must_be_a_sub_account(emulator: EmulatorHandle) -> None:
    environment_id = emulator.seed.client_accounts[0].test_environment_id
    with emulator.client(params={"overrideAccount": "someone-else-XYZ999"}) as client:
        refused = client.get(f"/EnvironmentExtensions/{environment_id}")
        assert refused.status_code == 403
        assert refused.json()["@type"] == "Error"
        assert update(client, environment_id, {"partial": True}).status_code == 403


def test_query_pages_and_filters_by_environment(emulator: EmulatorHandle) -> None:
    client_account = emulator.seed.client_accounts[0]
    with client_of(emulator) as client:
        everything = query_all(client, "EnvironmentExtensions", EVERYTHING)
        assert {e["environmentId"] for e in everything} == {
            client_account.test_environment_id,
            client_account.prod_environment_id,
        }
        production = query_all(
            client, "EnvironmentExtensions", eq("environmentId", client_account.prod_environment_id)
        )
        assert production == [read(client, client_account.prod_environment_id)]
        by_group = query_all(client, "EnvironmentExtensions", eq("extensionGroupId", "other"))
        assert by_group == []
    emulator.state.settings.page_size = 1
    with client_of(emulator) as client:
        first = client.post("/EnvironmentExtensions/query", json=EVERYTHING).json()
        assert first["numberOfResults"] == 1 and "queryToken" in first
        assert len(query_all(client, "EnvironmentExtensions", EVERYTHING)) == 2


@pytest.mark.parametrize("partial", [True, False])
def test_updates_survive_save_and_load(
    emulator: EmulatorHandle, tmp_path: Path, partial: bool
) -> None:
    environment_id = emulator.seed.client_accounts[0].test_environment_id
    with client_of(emulator) as client:
        body = {
            "partial": partial,
            "properties": {"property": [{"name": "notificationEmail", "value": "saved@x.y"}]},
        }
        assert update(client, environment_id, body).status_code == 200
        expected = read(client, environment_id)
    path = tmp_path / "state.json"
    emulator.state.save(path)
    loaded = EmulatorState.load(path)
    emulator.use_state(loaded)
    with client_of(emulator) as client:
        assert read(client, environment_id) == expected
