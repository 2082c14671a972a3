"""PackagedComponent snapshots, branches created from packages, and continuity across branches."""

from __future__ import annotations

from tests.integration.emulator.boomi import (
    component_xml,
    create,
    eq,
    package_body,
    parse,
    profile,
)
from tests.support.servers import EmulatorHandle


def _process(content_ids: list[str]) -> str:
    maps = "".join(f'<map mapId="{cid}"/>' for cid in content_ids)
    return f'<process xmlns=""><shapes>{maps}</shapes></process>'


def test_package_snapshots_the_dependency_tree(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        child = create(client, component_xml(name="C", type_="profile.json", content=profile()))
        child_id = child.get("componentId")
        root_id = create(
            client, component_xml(name="Root", type_="process", content=_process([child_id]))
        ).get("componentId")
        package = client.post(
            "/PackagedComponent", json=package_body(root_id, notes="first", shareable=True)
        ).json()
        assert package["@type"] == "PackagedComponent"
        assert package["componentVersion"] == 1
        assert package["componentType"] == "process"
        assert package["packageVersion"] == "1.0"
        assert package["branchName"] == "main"
        assert client.get(f"/PackagedComponent/{package['packageId']}").json() == package

        duplicate = client.post(
            "/PackagedComponent", json=package_body(root_id, packageVersion="1.0")
        )
        assert duplicate.status_code == 400
        assert "1.0" in duplicate.json()["message"]
        not_packageable = client.post(
            "/PackagedComponent", json=package_body(child_id, "profile.json")
        )
        assert not_packageable.status_code == 400

        # Main moves on; a branch created from the package still holds the packaged versions.
        create(
            client,
            component_xml(
                name="C", type_="profile.json", content=profile("V2"), component_id=child_id
            ),
            path=f"/Component/{child_id}",
        )
        branch = client.post(
            "/Branch", json={"name": "from-package", "packageId": package["packageId"]}
        ).json()
        assert branch["packageId"] == package["packageId"]
        assert parse(client.get(f"/Component/{child_id}~{branch['id']}")).get("version") == "1"
        assert parse(client.get(f"/Component/{child_id}")).get("version") == "2"


def test_package_from_a_branch_survives_the_branch(emulator: EmulatorHandle) -> None:
    """The promotion continuity case: created on a branch, packaged, branch deleted."""
    with emulator.client() as client:
        main_id = client.post("/Branch/query", json=eq("name", "main")).json()["result"][0]["id"]
        promo = client.post("/Branch", json={"name": "promo-1"}).json()["id"]
        child_id = create(
            client,
            component_xml(name="C", type_="profile.json", content=profile(), branch_id=promo),
        ).get("componentId")
        root_id = create(
            client,
            component_xml(
                name="Root", type_="process", content=_process([child_id]), branch_id=promo
            ),
        ).get("componentId")
        package = client.post(
            "/PackagedComponent",
            json=package_body(root_id, packageVersion="1.0.0", branchName="promo-1"),
        ).json()
        assert package["branchName"] == "promo-1"
        assert client.get(f"/Component/{root_id}").status_code == 404
        assert client.delete(f"/Branch/{promo}").status_code == 200
        assert client.post("/PackagedComponent", json=package_body(root_id)).status_code == 400

        review = client.post(
            "/Branch", json={"name": "review-1", "packageId": package["packageId"]}
        ).json()["id"]
        assert parse(client.get(f"/Component/{root_id}~{review}")).get("version") == "1"
        assert client.get(f"/Component/{root_id}~1").status_code == 200, "held by the package"
        updated = create(
            client,
            component_xml(
                name="Root",
                type_="process",
                content=_process([child_id]),
                component_id=root_id,
                branch_id=review,
            ),
            path=f"/Component/{root_id}",
        )
        assert updated.get("version") == "2", "same component, next version"

        merge = client.post(
            "/MergeRequest",
            json={
                "sourceBranchId": review,
                "destinationBranchId": main_id,
                "strategy": "OVERRIDE",
                "priorityBranch": "SOURCE",
                "MergeRequestDetails": {},
            },
        ).json()
        assert client.get(f"/MergeRequest/{merge['id']}").json()["stage"] == "REVIEWING"
        client.post(
            f"/MergeRequest/execute/{merge['id']}",
            json={"id": merge["id"], "mergeRequestAction": "MERGE", "MergeRequestDetails": {}},
        )
        assert client.get(f"/MergeRequest/{merge['id']}").json()["stage"] == "MERGED"
        assert parse(client.get(f"/Component/{root_id}")).get("version") == "3"
        assert parse(client.get(f"/Component/{child_id}")).get("componentId") == child_id


def test_seeded_full_tree_package_holds_its_dependencies(emulator: EmulatorHandle) -> None:
    team_a = emulator.seed.dev_accounts[0].account_id
    package_id = emulator.seed.full_tree_package_id
    with emulator.client(params={"overrideAccount": team_a}) as client:
        package = client.get(f"/PackagedComponent/{package_id}").json()
        assert package["componentId"] == emulator.seed.full_tree_process_id
        assert package["packageVersion"] == "2.0"
        branch = client.post("/Branch", json={"name": "dev-review", "packageId": package_id}).json()
        assert branch["ready"] is True
        assert client.get(f"/Component/{package['componentId']}~{branch['id']}").status_code == 200


def test_override_account_writes_land_in_the_dev_account(emulator: EmulatorHandle) -> None:
    team_b = emulator.seed.dev_accounts[1].account_id
    with emulator.client(params={"overrideAccount": team_b}) as dev:
        profile_id = create(
            dev,
            component_xml(name="Dev Profile", type_="profile.json", content=profile()),
            overrideAccount=team_b,
        ).get("componentId")
        process = create(
            dev,
            component_xml(name="Dev Process", type_="process", content=_process([profile_id])),
            overrideAccount=team_b,
        )
        assert process.get("folderFullPath") == "Dev Team B"
        package = dev.post(
            "/PackagedComponent", json=package_body(process.get("componentId"))
        ).json()
        listed = dev.post(
            "/PackagedComponent/query", json=eq("componentId", process.get("componentId"))
        ).json()
        assert [p["packageId"] for p in listed["result"]] == [package["packageId"]]
    with emulator.client() as primary:
        assert primary.get(f"/Component/{profile_id}").status_code == 404
        assert primary.get(f"/PackagedComponent/{package['packageId']}").status_code == 404
