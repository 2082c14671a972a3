"""Branch lifecycle and limits; merge requests from drafting to merged."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.integration.emulator.boomi import EVERYTHING, component_xml, create, eq, parse, profile
from tests.support import emulator_control as control_api
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


def control(emulator: EmulatorHandle, what: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to the emulator's control API (``/__emulator__/{what}``); its JSON answer."""
    response = control_api.post(f"{emulator.base_url}/__emulator__/{what}", json=body)
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


def named(client: httpx.Client, name: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = client.post("/Branch/query", json=eq("name", name)).json()[
        "result"
    ]
    return result


def test_branch_names_are_unique_among_live_branches(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        branch_id = client.post("/Branch", json={"name": "promo-1"}).json()["id"]
        duplicate = client.post("/Branch", json={"name": "promo-1"})
        assert duplicate.status_code == 400
        assert duplicate.json()["@type"] == "Error"
        assert client.delete(f"/Branch/{branch_id}").status_code == 200
        assert client.post("/Branch", json={"name": "promo-1"}).status_code == 200


def test_a_deleted_branch_is_deleting_for_a_while_then_gone(emulator: EmulatorHandle) -> None:
    changed = {"branch_delete_seconds": 0.5, "branch_query_delay_seconds": 0}
    settings = control(emulator, "settings", changed)
    assert settings["branch_delete_seconds"] == 0.5
    with emulator.client() as client:
        branch_id = client.post("/Branch", json={"name": "promo-going"}).json()["id"]

        assert client.delete(f"/Branch/{branch_id}").status_code == 200

        deleting = client.get(f"/Branch/{branch_id}")
        assert deleting.status_code == 200
        assert (deleting.json()["stage"], deleting.json()["ready"]) == ("DELETING", False)
        assert [b["stage"] for b in named(client, "promo-going")] == ["DELETING"]
        assert client.delete(f"/Branch/{branch_id}").status_code == 200, "deleting it again"
        gone = _wait_for_status(client, f"/Branch/{branch_id}", 404)
        assert gone == 404
        assert named(client, "promo-going") == []
        assert client.delete(f"/Branch/{branch_id}").status_code == 404


def test_a_new_branch_shows_in_queries_only_after_a_delay(emulator: EmulatorHandle) -> None:
    control(emulator, "settings", {"branch_query_delay_seconds": 0.5})
    with emulator.client() as client:
        created = client.post("/Branch", json={"name": "promo-new"}).json()

        assert client.get(f"/Branch/{created['id']}").status_code == 200, "GET by id at once"
        assert named(client, "promo-new") == []
        time.sleep(0.6)
        assert [b["id"] for b in named(client, "promo-new")] == [created["id"]]


def test_at_most_twenty_branches_including_main_deleting_ones_too(
    emulator: EmulatorHandle,
) -> None:
    control(emulator, "settings", {"branch_query_delay_seconds": 0, "branch_delete_seconds": 0.5})
    with emulator.client() as client:
        created = [client.post("/Branch", json={"name": f"b{i}"}) for i in range(19)]
        assert all(r.status_code == 200 for r in created)
        listed = client.post("/Branch/query", json=EVERYTHING).json()
        assert listed["numberOfResults"] == 20
        refused = client.post("/Branch", json={"name": "one-too-many"})
        assert refused.status_code == 400
        assert "20" in refused.json()["message"]

        client.delete(f"/Branch/{created[0].json()['id']}")
        assert client.post("/Branch", json={"name": "still-deleting"}).status_code == 400
        time.sleep(0.6)
        assert client.post("/Branch", json={"name": "fits-again"}).status_code == 200


def _wait_for_status(client: httpx.Client, path: str, status: int, seconds: float = 5) -> int:
    deadline = time.monotonic() + seconds
    while True:
        answered = client.get(path).status_code
        if answered == status or time.monotonic() > deadline:
            return answered
        time.sleep(0.05)


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
                "MergeRequestDetails": {},
            },
        ).json()
        assert request["@type"] == "MergeRequest"
        assert request["stage"] == "DRAFTING"
        assert request["sourceBranchName"] == "promo-merge"
        early = client.post(
            f"/MergeRequest/execute/{request['id']}",
            json={"id": request["id"], "mergeRequestAction": "MERGE", "MergeRequestDetails": {}},
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
            json={"id": request["id"], "mergeRequestAction": "MERGE", "MergeRequestDetails": {}},
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
            json={"id": request["id"], "mergeRequestAction": "MERGE", "MergeRequestDetails": {}},
        )
        assert again.status_code == 400

        listed = client.post("/MergeRequest/query", json=eq("sourceBranchId", branch_id)).json()
        assert [m["id"] for m in listed["result"]] == [request["id"]]
        assert client.post("/MergeRequest/query", json=EVERYTHING).status_code == 400


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
            sent = {**body, "MergeRequestDetails": {}}
            assert client.post("/MergeRequest", json=sent).status_code == 400, body


@dataclass(frozen=True)
class MergeSetup:
    main_id: str
    branch_id: str
    changed_id: str
    """On main, changed on the branch."""
    added_id: str
    """Created on the branch."""


def branch_with_changes(client: httpx.Client, name: str) -> MergeSetup:
    existing = create(client, component_xml(name="E", type_="profile.json", content=profile()))
    changed_id = existing.get("componentId")
    main_id = named(client, "main")[0]["id"]
    branch_id = client.post("/Branch", json={"name": name}).json()["id"]
    create(
        client,
        component_xml(
            name="E",
            type_="profile.json",
            content=profile("Changed"),
            component_id=changed_id,
            branch_id=branch_id,
        ),
        path=f"/Component/{changed_id}",
    )
    added_id = create(
        client,
        component_xml(name="New", type_="profile.json", content=profile(), branch_id=branch_id),
    ).get("componentId")
    return MergeSetup(main_id, branch_id, changed_id, added_id)


def run_merge(
    client: httpx.Client, setup: MergeSetup, *, strategy: str = "OVERRIDE"
) -> dict[str, Any]:
    """Create the merge request, execute it once it is REVIEWING; its last answer."""
    body = {
        "sourceBranchId": setup.branch_id,
        "destinationBranchId": setup.main_id,
        "strategy": strategy,
        "priorityBranch": "SOURCE",
        "MergeRequestDetails": {},
    }
    request = client.post("/MergeRequest", json=body).json()
    path = f"/MergeRequest/{request['id']}"
    reviewing = _wait_for(client, path, "stage", "REVIEWING")
    if reviewing["stage"] != "REVIEWING":
        return reviewing
    executed = client.post(
        f"/MergeRequest/execute/{request['id']}",
        json={"id": request["id"], "mergeRequestAction": "MERGE", "MergeRequestDetails": {}},
    ).json()
    assert executed["stage"] == "MERGING"
    deadline = time.monotonic() + 5
    while True:
        answer: dict[str, Any] = client.get(path).json()
        if answer["stage"] != "MERGING" or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def details_of(merge: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["componentGuid"]: d for d in merge["MergeRequestDetails"]["MergeRequestDetail"]}


def main_version(client: httpx.Client, component_id: str) -> str:
    return parse(client.get(f"/Component/{component_id}")).get("version")


def test_an_injected_conflict_fails_the_merge_naming_the_conflicting_components(
    emulator: EmulatorHandle,
) -> None:
    with emulator.client() as client:
        setup = branch_with_changes(client, "promo-conflict")
        fault = control(
            emulator,
            "merge-faults",
            {"branch": "^promo-conflict$", "components": [setup.changed_id], "count": 1},
        )
        assert fault["outcome"] == "CONFLICT"

        merge = run_merge(client, setup)

        assert (merge["stage"], merge["previousStage"]) == ("FAILED_TO_MERGE", "MERGING")
        details = details_of(merge)
        assert details[setup.changed_id]["conflict"] is True
        assert "resolution" not in details[setup.changed_id], "left unresolved"
        assert details[setup.added_id]["conflict"] is False
        assert details[setup.added_id]["resolution"] == "OVERRIDE"
        assert all("mergeRevision" not in d for d in details.values()), "nothing merged"
        assert main_version(client, setup.changed_id) == "1"
        assert client.get(f"/Component/{setup.added_id}").status_code == 404

        # The fault was used up: the next merge request from the same branch merges.
        assert run_merge(client, setup)["stage"] == "MERGED"
        assert main_version(client, setup.changed_id) == "3"


def test_a_conflict_without_named_components_flags_every_component_brought(
    emulator: EmulatorHandle,
) -> None:
    with emulator.client() as client:
        setup = branch_with_changes(client, "promo-all")
        control(emulator, "merge-faults", {"branch": "promo-all", "outcome": "CONFLICT"})

        merge = run_merge(client, setup)

        assert merge["stage"] == "FAILED_TO_MERGE"
        assert {i for i, d in details_of(merge).items() if d["conflict"]} == {
            setup.changed_id,
            setup.added_id,
        }


def test_a_failed_merge_names_no_conflict_and_can_be_merged_again(
    emulator: EmulatorHandle,
) -> None:
    with emulator.client() as client:
        setup = branch_with_changes(client, "promo-flaky")
        control(emulator, "merge-faults", {"branch": "flaky", "outcome": "FAILED_TO_MERGE"})

        merge = run_merge(client, setup)

        assert merge["stage"] == "FAILED_TO_MERGE"
        assert not any(d["conflict"] for d in details_of(merge).values())
        assert main_version(client, setup.changed_id) == "1"
        again = client.post(
            f"/MergeRequest/execute/{merge['id']}",
            json={"id": merge["id"], "mergeRequestAction": "MERGE", "MergeRequestDetails": {}},
        )
        assert again.json()["stage"] == "MERGING"
        assert _wait_for(client, f"/MergeRequest/{merge['id']}", "stage", "MERGED")["stage"] == (
            "MERGED"
        )


def test_a_merge_can_fail_to_draft(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        setup = branch_with_changes(client, "promo-draft")
        control(emulator, "merge-faults", {"branch": "draft", "outcome": "FAILED_TO_DRAFT"})

        merge = run_merge(client, setup)

        assert merge["stage"] == "FAILED_TO_DRAFT"
        assert details_of(merge) == {}


def test_merge_faults_are_listed_checked_and_cleared(emulator: EmulatorHandle) -> None:
    url = f"{emulator.base_url}/__emulator__/merge-faults"
    assert control_api.post(url, json={"branch": "x", "outcome": "MAYBE"}).status_code == 400
    assert control_api.post(url, json={"outcome": "CONFLICT"}).status_code == 400
    fault = control(emulator, "merge-faults", {"branch": "x"})
    assert [f["fault_id"] for f in control_api.get(url).json()["mergeFaults"]] == [
        fault["fault_id"]
    ]
    assert control_api.delete(f"{url}/{fault['fault_id']}").status_code == 204
    assert control_api.get(url).json()["mergeFaults"] == []


def test_main_changed_since_the_branch_was_cut_conflicts(emulator: EmulatorHandle) -> None:
    """OVERRIDE resolves the conflict (source wins); CONFLICT_RESOLVE leaves it to a person,
    and the emulator takes no resolutions, so that merge fails."""

    def write(client: httpx.Client, component_id: str, text: str, branch_id: str = "") -> None:
        xml = component_xml(
            name="E",
            type_="profile.json",
            content=profile(text),
            component_id=component_id,
            branch_id=branch_id,
        )
        create(client, xml, path=f"/Component/{component_id}")

    with emulator.client() as client:
        component_id = create(
            client, component_xml(name="E", type_="profile.json", content=profile())
        ).get("componentId")
        main_id = named(client, "main")[0]["id"]
        branch_id = client.post("/Branch", json={"name": "promo-late"}).json()["id"]
        write(client, component_id, "On main meanwhile")
        write(client, component_id, "On the branch", branch_id)
        setup = MergeSetup(main_id, branch_id, component_id, "")

        careful = run_merge(client, setup, strategy="CONFLICT_RESOLVE")
        assert careful["stage"] == "FAILED_TO_MERGE"
        assert details_of(careful)[component_id]["conflict"] is True
        assert "resolution" not in details_of(careful)[component_id]
        assert main_version(client, component_id) == "2"

        override = run_merge(client, setup)
        assert override["stage"] == "MERGED"
        detail = details_of(override)[component_id]
        assert (detail["conflict"], detail["resolution"]) == (True, "OVERRIDE")
        assert main_version(client, component_id) == "4"
