"""The emulator held to Boomi's OpenAPI document: bodies its schemas reject are refused with
Boomi's error, path forms Boomi serves are served (and those it lacks are not), and the
objects an ordinary Boomi client needs beyond the product (Process, PackagedComponentManifest,
Environment create) are there."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.emulator.boomi import (
    BNS,
    EVERYTHING,
    XML,
    component_xml,
    create,
    eq,
    package_body,
    with_every_section,
)
from tests.integration.emulator.deployment import create_pack, new_process, package, release
from tests.support.servers import EmulatorHandle


def _main_id(client: httpx.Client) -> str:
    found: str = client.post("/Branch/query", json=eq("name", "main")).json()["result"][0]["id"]
    return found


def _refused(response: httpx.Response, *fields: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["@type"] == "Error"
    for field in fields:
        assert field in body["message"], body["message"]


def test_bodies_boomis_schemas_reject_are_refused_with_boomis_error(
    emulator: EmulatorHandle,
) -> None:
    process = emulator.seed.prior_promotion.prod_root_component_id
    environment = emulator.seed.client_accounts[0].test_environment_id
    client_account = emulator.seed.client_accounts[0].account_id
    with emulator.client() as client:
        pack = create_pack(client, "Conformance")
        cases: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
            ("/Branch/query", {"QueryFilter": {}}, ("expression",)),
            (
                "/ComponentMetadata/query",
                {
                    "QueryFilter": {
                        "expression": {
                            "operator": "STARTS_WITH",
                            "property": "name",
                            "argument": ["Cust"],
                        }
                    }
                },
                ("STARTS_WITH",),
            ),
            (
                "/PackagedComponent",
                {"componentId": process},
                ("branchName", "componentType", "notes"),
            ),
            (
                "/MergeRequest",
                {"sourceBranchId": _main_id(client), "destinationBranchId": _main_id(client)},
                ("MergeRequestDetails",),
            ),
            (
                f"/PublisherIntegrationPack/{pack}",
                {"id": pack, "operationType": "ADD"},
                ("Description",),
            ),
            ("/Folder", {"name": 42}, ("name", "string")),
        ]
        for path, body, fields in cases:
            _refused(client.post(path, json=body), *fields)
        partial = client.post(
            f"/EnvironmentExtensions/{environment}",
            json={"partial": True, "properties": {"property": []}},
            params={"overrideAccount": client_account},
        )
        _refused(partial, "connections", "PGPCertificates")
        # XML bodies are not held to the JSON schemas; XML queries still refuse STARTS_WITH.
        xml_package = client.post(
            "/PackagedComponent",
            content=f'<bns:PackagedComponent xmlns:bns="{BNS}" componentId="{process}"/>',
            headers=XML,
        )
        assert xml_package.status_code == 200, xml_package.text
        xml_query = client.post(
            "/ComponentMetadata/query",
            content=(
                f'<QueryFilter xmlns="{BNS}"><expression operator="STARTS_WITH" property="name" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:type="SimpleExpression"><argument>Cust</argument></expression></QueryFilter>'
            ),
            headers=XML,
        )
        assert xml_query.status_code == 400
        empty_xml_query = client.post(
            "/Branch/query", content=f'<QueryFilter xmlns="{BNS}"/>', headers=XML
        )
        assert empty_xml_query.status_code == 400


@pytest.mark.parametrize(
    "path",
    ["/PackagedComponent/", "/packagedcomponent", "/PACKAGEDCOMPONENT/"],
)
def test_creates_with_a_trailing_slash_or_in_other_letter_case_are_served(
    emulator: EmulatorHandle, path: str
) -> None:
    with emulator.client() as client:
        process = new_process(client, "Any Case")
        created = client.post(path, json=package_body(process))
        assert created.status_code == 200, created.text
        assert created.json()["componentId"] == process
        read = client.get(f"/packagedComponent/{created.json()['packageId']}/")
        assert read.status_code == 200
        listed = client.post("/branch/QUERY", json=EVERYTHING)
        assert listed.json()["@type"] == "QueryResult"


def test_path_forms_boomis_document_lacks_are_not_served(emulator: EmulatorHandle) -> None:
    client_account = emulator.seed.client_accounts[0]
    environment = client_account.test_environment_id
    with emulator.client(params={"overrideAccount": client_account.account_id}) as client:
        body = with_every_section({"partial": True})
        extension_id = client.post(
            "/EnvironmentMapExtensionsSummary/query", json=eq("environmentId", environment)
        ).json()["result"][0]["id"]
        for path in (
            "/EnvironmentExtensions",
            f"/EnvironmentExtensions/{environment}/update",
            f"/EnvironmentMapExtension/{extension_id}/update",
        ):
            answer = client.post(path, json=body)
            assert answer.status_code == 404, path
            assert answer.json()["@type"] == "Error"
        assert client.post(f"/EnvironmentExtensions/{environment}", json=body).status_code == 200
    with emulator.client() as client:
        branch = client.post("/Branch", json={"name": "tilde"}).json()["id"]
        tilde = client.post(
            f"/Component~{branch}",
            content=component_xml(name="T", type_="profile.json", content="<x/>"),
            headers=XML,
        )
        assert tilde.status_code == 404


def test_a_new_environment_has_its_extensions_object(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        created = client.post("/Environment", json={"name": "Staging", "classification": "TEST"})
        assert created.status_code == 200, created.text
        environment = created.json()
        assert (environment["name"], environment["classification"]) == ("Staging", "TEST")
        assert client.get(f"/Environment/{environment['id']}").json() == environment
        default = client.post("/Environment", json={"name": "Other"}).json()
        assert default["classification"] == "PROD"
        assert client.post("/Environment", json={"name": "staging"}).status_code == 400
        extensions = client.get(f"/EnvironmentExtensions/{environment['id']}")
        assert extensions.status_code == 200
        assert extensions.json()["environmentId"] == environment["id"]
        assert extensions.json()["processProperties"]["ProcessProperty"] == []


def test_deploying_an_overridable_process_makes_its_components_extensible(
    emulator: EmulatorHandle,
) -> None:
    properties = (
        '<DefinedProcessPropertyContainer xmlns=""><DefinedProcessProperty key="region" '
        'label="Region" type="string"><defaultValue>EU</defaultValue></DefinedProcessProperty>'
        "</DefinedProcessPropertyContainer>"
    )
    with emulator.client() as client:
        settings = create(
            client, component_xml(name="Settings", type_="processproperty", content=properties)
        ).get("componentId")
        process_xml = component_xml(
            name="Overridable",
            type_="process",
            content=f'<process xmlns=""><shapes><ref id="{settings}"/></shapes></process>',
        ).replace("<bns:object>", '<bns:processOverrides xmlns:bns="' + BNS + '"/><bns:object>')
        process = create(client, process_xml).get("componentId")
        plain = new_process(client, "Not Overridable")
        environment = client.post("/Environment", json={"name": "Extensible"}).json()["id"]
        for component_id in (process, plain):
            packaged = package(client, component_id, "1.0")
            deployed = client.post(
                "/DeployedPackage",
                json={"environmentId": environment, "packageId": packaged["packageId"]},
            )
            assert deployed.status_code == 200, deployed.text
        extensions = client.get(f"/EnvironmentExtensions/{environment}").json()

        [extensible] = extensions["processProperties"]["ProcessProperty"]
        assert (extensible["id"], extensible["name"]) == (settings, "Settings")
        [value] = extensible["ProcessPropertyValue"]
        assert (value["key"], value["value"], value["useDefault"]) == ("region", "EU", True)

        processes = client.post("/Process/query", json=EVERYTHING).json()["result"]
        assert {p["id"]: p["name"] for p in processes} == {
            process: "Overridable",
            plain: "Not Overridable",
        }
        assert client.get(f"/Process/{process}").json()["IntegrationPack"] == []
        by_name = client.post("/Process/query", json=eq("name", "Overridable")).json()
        assert [p["id"] for p in by_name["result"]] == [process]


def test_processes_of_released_packs_and_package_manifests(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        process = new_process(client, "Packed")
        packaged = package(client, process, "1.0")
        pack = create_pack(client, "Packed Pack")
        client.post(
            f"/PublisherIntegrationPack/{pack}",
            json={
                "id": pack,
                "Description": "Packed Pack pack",
                "operationType": "ADD",
                "PublisherPackagedComponents": {
                    "PublisherPackagedComponent": [{"componentId": process}]
                },
            },
        ).raise_for_status()
        assert client.get(f"/Process/{process}").status_code == 404, "not released yet"
        release(client, pack, (process, "1.0"))

        found = client.get(f"/Process/{process}").json()
        assert found["IntegrationPack"] == [
            {"@type": "ProcessIntegrationPackInfo", "integrationPackId": pack}
        ]
        in_pack = client.post("/Process/query", json=eq("integrationPackId", pack)).json()
        assert [p["id"] for p in in_pack["result"]] == [process]

        manifest = client.get(f"/PackagedComponentManifest/{packaged['packageId']}").json()
        assert manifest["packageId"] == packaged["packageId"]
        held = {c["id"]: c["version"] for c in manifest["componentInfo"]}
        assert held[process] == packaged["componentVersion"]
        assert len(held) == 2, "the process and its profile"
        assert client.get("/PackagedComponentManifest/no-such-package").status_code == 404
