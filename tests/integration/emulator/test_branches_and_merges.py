"""Branch lifecycle and limits; merge requests from drafting to merged."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.integration.emulator.boomi import component_xml, create, eq, parse, profile
from tests.support.servers import EmulatorHandle


def _wait_for(
    client: httpx.Client, path: str, key: str, value: object, seconds: float = 5
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        body: dict[str, Any] = client.get(path).json()
        if body[key] == value or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_new_branch_becomes_ready_after_a_delay(emulator: EmulatorHandle) -> None:
    emulator.state.settings.branch_ready_seconds = 0.4
    with emulator.client() as client:
        created = client.post("/Branch", json={"name": "promo/42", "description": "test"}).json()
        assert created["@type"] == "Branch"
        assert created["name"] == "promo-42"
        assert (created["ready"], created["stage"]) == (False, "CREATING")
        main_id = client.post("/Branch/query", json=eq("name", "main")).json()["result"][0]["id"]
        assert main_id.startswith("Qjo")
        assert created["parentId"] == main_id
        ready = _wait_for(client, f"/Branch/{created['id']}", "ready", True)
    assert ready["stage"] == "NORMAL"


def test_branch_names_are_unique_and_delete_is_final(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        branch_id = client.post("/Branch", json={"name": "promo-1"}).json()["id"]
        duplicate = client.post("/Branch", json={"name": "promo-1"})
        assert duplicate.status_code == 400
        assert duplicate.json()["@type"] == "Error"
        assert client.delete(f"/Branch/{branch_id}").status_code == 200
        assert client.get(f"/Branch/{branch_id}").status_code == 404
        assert client.delete(f"/Branch/{branch_id}").status_code == 404
        assert client.post("/Branch", json={"name": "promo-1"}).status_code == 200


def test_at_most_twenty_branches_including_main(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        created = [client.post("/Branch", json={"name": f"b{i}"}) for i in range(19)]
        assert all(r.status_code == 200 for r in created)
        listed = client.post("/Branch/query", json={"QueryFilter": {}}).json()
        assert listed["numberOfResults"] == 20
        refused = client.post("/Branch", json={"name": "one-too-many"})
        assert refused.status_code == 400
        assert "20" in refused.json()["message"]
        client.delete(f"/Branch/{created[0].json()['id']}")
        assert client.post("/Branch", json={"name": "fits-again"}).status_code == 200


def test_merge_request_drafts_reviews_and_merges_the_source_view(emulator: EmulatorHandle) -> None:
    settings = emulator.state.settings
    settings.merge_draft_seconds = settings.merge_review_seconds = 0.15
    settings.merge_execute_seconds = 0.15
    with emulator.client() as client:
        existing = create(client, component_xml(name="E", type_="profile.json", content=profile()))
        existing_id = existing.get("componentId")
        main_id = client.post("/Branch/query", json=eq("name", "main")).json()["result"][0]["id"]
        branch_id = client.post("/Branch", json={"name": "promo-merge"}).json()["id"]
        create(
            client,
            component_xml(
                name="E",
                type_="profile.json",
                content=profile("Changed"),
                component_id=existing_id,
                branch_id=branch_id,
            ),
            path=f"/Component/{existing_id}",
        )
        added_id = create(
            client,
            component_xml(name="New", type_="profile.json", content=profile(), branch_id=branch_id),
        ).get("componentId")

        request = client.post(
            "/MergeRequest",
            json={
                "sourceBranchId": branch_id,
                "destinationBranchId": main_id,
                "strategy": "OVERRIDE",
                "priorityBranch": "SOURCE",
                "note": "promotion",
            },
        ).json()
        assert request["@type"] == "MergeRequest"
        assert request["stage"] == "DRAFTING"
        assert request["sourceBranchName"] == "promo-merge"
        early = client.post(
            f"/MergeRequest/execute/{request['id']}",
            json={"id": request["id"], "mergeRequestAction": "MERGE"},
        )
        assert early.status_code == 400

        reviewing = _wait_for(client, f"/MergeRequest/{request['id']}", "stage", "REVIEWING")
        assert reviewing["stage"] == "REVIEWING"
        details = {
            d["componentGuid"]: d for d in reviewing["MergeRequestDetails"]["MergeRequestDetail"]
        }
        assert details[existing_id]["changeType"] == "MODIFIED"
        assert (
            details[existing_id]["sourceRevision"],
            details[existing_id]["destinationRevision"],
        ) == (2, 1)
        assert details[added_id]["changeType"] == "ADDED"
        assert "destinationRevision" not in details[added_id]
        assert set(details) == {existing_id, added_id}

        repo_style = client.post(f"/MergeRequest/execute/{request['id']}", json={"action": "MERGE"})
        assert repo_style.status_code == 400
        executed = client.post(
            f"/MergeRequest/execute/{request['id']}",
            json={"id": request["id"], "mergeRequestAction": "MERGE"},
        )
        assert executed.json()["stage"] == "MERGING"
        merged = _wait_for(client, f"/MergeRequest/{request['id']}", "stage", "MERGED")
        assert merged["stage"] == "MERGED"
        assert merged["previousStage"] == "MERGING"

        main_view = parse(client.get(f"/Component/{existing_id}"))
        assert main_view.get("version") == "3"
        assert main_view.get("branchName") == "main"
        assert main_view.find(".//{*}object/JSONProfile/DataElements").get("name") == "Changed"
        assert parse(client.get(f"/Component/{added_id}")).get("version") == "2"
        again = client.post(
            f"/MergeRequest/execute/{request['id']}",
            json={"id": request["id"], "mergeRequestAction": "MERGE"},
        )
        assert again.status_code == 400

        listed = client.post("/MergeRequest/query", json=eq("sourceBranchId", branch_id)).json()
        assert [m["id"] for m in listed["result"]] == [request["id"]]
        assert client.post("/MergeRequest/query", json={"QueryFilter": {}}).status_code == 400


def test_merge_request_validates_its_branches_and_options(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        main_id = client.post("/Branch/query", json=eq("name", "main")).json()["result"][0]["id"]
        branch_id = client.post("/Branch", json={"name": "x"}).json()["id"]
        bodies = [
            {"sourceBranchId": branch_id, "destinationBranchId": "main"},
            {"sourceBranchId": branch_id, "destinationBranchId": branch_id},
            {
                "sourceBranchId": branch_id,
                "destinationBranchId": main_id,
                "priorityBranch": branch_id,
            },
            {"sourceBranchId": branch_id, "destinationBranchId": main_id, "strategy": "MAGIC"},
        ]
        for body in bodies:
            assert client.post("/MergeRequest", json=body).status_code == 400, body
