"""Component reads and writes: XML shape, versions, folders, branches and visibility."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.emulator.boomi import (
    BNS,
    XML,
    component_xml,
    create,
    parse,
    process_using,
    profile,
)
from tests.support.servers import EmulatorHandle


def _folder(client: httpx.Client, name: str, parent_id: str | None = None) -> dict[str, Any]:
    body = {"name": name, **({"parentId": parent_id} if parent_id else {})}
    response = client.post("/Folder", json=body)
    assert response.status_code == 200, response.text
    folder: dict[str, Any] = response.json()
    return folder


def _branch(client: httpx.Client, name: str) -> str:
    response = client.post("/Branch", json={"name": name})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def test_dev_component_reads_as_boomi_xml_through_override(emulator: EmulatorHandle) -> None:
    team_a = emulator.seed.dev_accounts[0].account_id
    with emulator.client() as client:
        response = client.get(
            f"/Component/{emulator.seed.full_tree_process_id}",
            params={"overrideAccount": team_a},
            headers={"Accept": "application/xml"},
        )
    root = parse(response)
    assert root.tag == f"{{{BNS}}}Component"
    assert root.get("componentId") == emulator.seed.full_tree_process_id
    assert root.get("name") == "Orders Sync"
    assert root.get("type") == "process"
    assert root.get("version") == "3"
    assert root.get("currentVersion") == "true"
    assert root.get("folderFullPath") == "Dev Team A/DevTeamA/Orders"
    assert root.get("folderName") == "Orders"
    assert root.get("folderId").startswith("Rjo")
    assert root.get("branchName") == "main"
    assert root.get("branchId").startswith("Qjo")
    children = [child.tag for child in root]
    assert children == [
        f"{{{BNS}}}encryptedValues",
        f"{{{BNS}}}description",
        f"{{{BNS}}}object",
        f"{{{BNS}}}processOverrides",
    ]
    root.find(f"{{{BNS}}}object/process")


def test_create_and_update_on_main_add_versions(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        folder = _folder(client, "Scratch")
        assert folder["fullPath"] == "Primary Account/Scratch"
        assert folder["id"].startswith("Rjo")
        created = create(
            client,
            component_xml(
                name="Scratch Profile",
                type_="profile.json",
                content=profile(),
                folder_id=folder["id"],
            ),
        )
        component_id = created.get("componentId")
        assert created.get("version") == "1"
        assert created.get("folderFullPath") == "Primary Account/Scratch"
        by_path = create(
            client,
            component_xml(name="By Path", type_="profile.json", content=profile()).replace(
                'type="profile.json"', 'type="profile.json" folderFullPath="Scratch/Elsewhere"'
            ),
        )
        assert by_path.get("folderFullPath") == "Primary Account", "folderFullPath is read-only"

        updated = create(
            client,
            component_xml(
                name="Scratch Profile v2",
                type_="profile.json",
                content=profile("Changed"),
                component_id=component_id,
            ),
            path=f"/Component/{component_id}",
        )
        assert updated.get("version") == "2"
        assert updated.get("name") == "Scratch Profile v2"
        assert updated.get("folderId") == folder["id"], "folder kept when the update names none"

        latest = parse(client.get(f"/Component/{component_id}"))
        first = parse(client.get(f"/Component/{component_id}~1"))
        assert latest.get("version") == "2"
        assert first.get("version") == "1"
        assert first.get("currentVersion") == "false"
        assert first.find(f"{{{BNS}}}object/JSONProfile/DataElements").get("name") == "Order"

        metadata = client.get(f"/ComponentMetadata/{component_id}").json()
        assert metadata["@type"] == "ComponentMetadata"
        assert metadata["version"] == 2
        assert metadata["currentVersion"] is True
        assert metadata["folderName"] == "Scratch"
        metadata_xml = parse(
            client.get(
                f"/ComponentMetadata/{component_id}~1", headers={"Accept": "application/xml"}
            )
        )
        assert metadata_xml.tag == f"{{{BNS}}}ComponentMetadata"
        assert metadata_xml.get("version") == "1"


def test_component_writes_are_validated(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        created = create(client, component_xml(name="P", type_="profile.json", content=profile()))
        component_id = created.get("componentId")
        cases = {
            "id on create": (
                "/Component",
                component_xml(
                    name="P", type_="profile.json", content=profile(), component_id=component_id
                ),
            ),
            "id mismatch": (
                f"/Component/{component_id}",
                component_xml(
                    name="P", type_="profile.json", content=profile(), component_id="other-id"
                ),
            ),
            "unknown folder": (
                "/Component",
                component_xml(
                    name="P", type_="profile.json", content=profile(), folder_id="RjoxMjM0NTY3"
                ),
            ),
            "bad type": ("/Component", component_xml(name="P", type_="profile", content=profile())),
            "type change": (
                f"/Component/{component_id}",
                component_xml(name="P", type_="process", content=process_using()),
            ),
            "not xml": ("/Component", "<bns:Component"),
            "doctype": (
                "/Component",
                '<!DOCTYPE x [<!ENTITY e "boom">]>'
                + component_xml(name="P", type_="profile.json", content=profile()),
            ),
        }
        for case, (path, body) in cases.items():
            response = client.post(path, content=body, headers=XML)
            assert response.status_code == 400, case
            error = parse(response)
            assert error.tag == "error" and error.findtext("message"), case
        missing = client.get("/Component/no-such-component", headers={"Accept": "application/xml"})
        assert missing.status_code == 404


def test_branch_writes_are_visible_only_on_the_branch(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        on_main = create(
            client, component_xml(name="Shared", type_="profile.json", content=profile())
        )
        shared_id = on_main.get("componentId")
        branch_id = _branch(client, "feature/one")
        assert branch_id.startswith("Qjo")

        inherited = parse(client.get(f"/Component/{shared_id}~{branch_id}"))
        assert inherited.get("version") == "1"
        assert inherited.get("branchName") == "main", "unmodified components read as main's"

        new_on_branch = create(
            client,
            component_xml(
                name="Branch Only", type_="profile.json", content=profile(), branch_id=branch_id
            ),
        )
        branch_only_id = new_on_branch.get("componentId")
        assert new_on_branch.get("branchId") == branch_id
        assert client.get(f"/Component/{branch_only_id}").status_code == 404
        assert client.get(f"/Component/{branch_only_id}~{branch_id}").status_code == 200

        # REPO's tilde form of a branch write is accepted too.
        changed = create(
            client,
            component_xml(
                name="Shared", type_="profile.json", content=profile("B"), component_id=shared_id
            ),
            path=f"/Component/{shared_id}~{branch_id}",
        )
        assert changed.get("version") == "2"
        assert changed.get("branchName") == "feature-one"
        assert parse(client.get(f"/Component/{shared_id}")).get("version") == "1"
        assert parse(client.get(f"/Component/{shared_id}~{branch_id}")).get("version") == "2"

        # Writes name their branch with branchId; Boomi's OpenAPI has no /Component~{branch}.
        tilde_create = client.post(
            f"/Component~{branch_id}",
            content=component_xml(name="Tilde", type_="profile.json", content=profile()),
            headers=XML,
        )
        assert tilde_create.status_code == 404

        late = create(client, component_xml(name="Late", type_="profile.json", content=profile()))
        late_update = client.post(
            "/Component/" + late.get("componentId"),
            content=component_xml(
                name="Late",
                type_="profile.json",
                content=profile(),
                component_id=late.get("componentId"),
                branch_id=branch_id,
            ),
            headers=XML,
        )
        assert late_update.status_code == 400
        assert "ComponentId" in parse(late_update).findtext("message")

        assert client.delete(f"/Branch/{branch_id}").status_code == 200
        assert client.get(f"/Component/{branch_only_id}~1").status_code == 404
        assert client.get(f"/Component/{shared_id}~2").status_code == 404
        assert parse(client.get(f"/Component/{shared_id}")).get("version") == "1"


def test_folders_nest_and_are_found_by_name_with_their_full_path(
    emulator: EmulatorHandle,
) -> None:
    team_a = emulator.seed.dev_accounts[0].account_id
    with emulator.client() as client:
        promoted = client.post(
            "/Folder/query",
            json={
                "QueryFilter": {
                    "expression": {
                        "operator": "EQUALS",
                        "property": "name",
                        "argument": ["Promoted"],
                    }
                }
            },
        ).json()["result"]
        assert [f["fullPath"] for f in promoted] == ["Primary Account/Promoted"]
        team = _folder(client, "DevTeamZ", promoted[0]["id"])
        orders = _folder(client, "Orders", team["id"])
        assert orders["fullPath"] == "Primary Account/Promoted/DevTeamZ/Orders"
        assert orders["parentName"] == "DevTeamZ"
        assert client.get(f"/Folder/{orders['id']}").json() == orders
        duplicate = client.post("/Folder", json={"name": "orders", "parentId": team["id"]})
        assert duplicate.status_code == 400
        assert client.post("/Folder", json={"name": "X", "parentId": "Rjo5OTk5"}).status_code == 400

        dev_orders = client.post(
            "/Folder/query",
            json={
                "QueryFilter": {
                    "expression": {
                        "operator": "LIKE",
                        "property": "name",
                        "argument": ["Ord%"],
                    }
                }
            },
            params={"overrideAccount": team_a},
        ).json()["result"]
        assert "Dev Team A/DevTeamA/Orders" in [f["fullPath"] for f in dev_orders]
        # fullPath is no query property in Boomi's OpenAPI document.
        by_path = client.post(
            "/Folder/query",
            json={
                "QueryFilter": {
                    "expression": {
                        "operator": "EQUALS",
                        "property": "fullPath",
                        "argument": ["Primary Account/Promoted"],
                    }
                }
            },
        )
        assert by_path.status_code == 400
