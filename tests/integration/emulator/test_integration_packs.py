"""PublisherIntegrationPack, IntegrationPack, ReleaseIntegrationPack and its status."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.emulator.boomi import EVERYTHING, XML, eq, parse, query_all
from tests.integration.emulator.deployment import (
    change_pack,
    create_pack,
    install_clock,
    members,
    new_process,
    package,
    release,
    release_body,
)
from tests.support import emulator_control as control_api
from tests.support.servers import EmulatorHandle

STATUS = "/ReleaseIntegrationPackStatus/{}"


def test_a_pack_is_created_filled_released_and_then_available(emulator: EmulatorHandle) -> None:
    prior = emulator.seed.prior_promotion
    root = prior.prod_root_component_id
    clock = install_clock(emulator)
    emulator.state.settings.release_seconds = 2.0
    team_a = emulator.seed.dev_accounts[0].account_id
    with emulator.client() as client:
        created = client.post(
            "/PublisherIntegrationPack",
            json={"name": "Customers - TEST", "Description": "Test", "installationType": "MULTI"},
        ).json()
        assert created["@type"] == "PublisherIntegrationPack"
        assert created["Description"] == "Test"
        assert created["PublisherPackagedComponents"]["PublisherPackagedComponent"] == []
        pack_id = created["id"]
        duplicate = client.post(
            "/PublisherIntegrationPack",
            json={"name": "customers - test", "Description": "", "installationType": "MULTI"},
        )
        assert duplicate.status_code == 400
        assert "already exists" in duplicate.json()["message"]

        added = change_pack(client, pack_id, "ADD", root)
        assert added.status_code == 200, added.text
        member = members(client, pack_id)[root]
        assert member == {
            "@type": "PublisherPackagedComponent",
            "componentId": root,
            "componentName": "Customer Sync",
            "componentType": "process",
            "pendingVersion": "1.0",
            "latestVersion": "1.0",
            "deleted": False,
        }
        # Not released yet: no account sees it as an IntegrationPack.
        assert client.post("/IntegrationPack/query", json=EVERYTHING).json()["numberOfResults"] == 0
        assert client.get(f"/IntegrationPack/{pack_id}").status_code == 404

        answer = client.post("/ReleaseIntegrationPack", json=release_body(pack_id, (root, "1.0")))
        assert answer.status_code == 200, answer.text
        requested = answer.json()
        assert requested["@type"] == "ReleaseIntegrationPack"
        assert requested["id"] == pack_id
        assert requested["name"] == "Customers - TEST"
        assert requested["installationType"] == "MULTI"
        assert requested["releaseSchedule"] == "IMMEDIATELY"
        request_id = requested["requestId"]
        assert requested["releaseStatusUrl"] == f"{emulator.api_url}{STATUS.format(request_id)}"

        pending = client.get(STATUS.format(request_id))
        assert pending.status_code == 202
        assert pending.json()["releaseStatus"] == "IN_PROGRESS"
        assert pending.json()["responseStatusCode"] == 202
        assert pending.json()["integrationPackId"] == pack_id
        assert "currentVersion" not in members(client, pack_id)[root]

        clock.advance(2.0)
        done = client.get(requested["releaseStatusUrl"])
        assert done.status_code == 200
        assert done.json()["releaseStatus"] == "SUCCESS"
        assert done.json()["ReleasePackagedComponents"]["ReleasePackagedComponent"] == [
            {"componentId": root, "releasedVersion": "1.0"}
        ]
        member = members(client, pack_id)[root]
        assert (member["currentVersion"], member["latestVersion"]) == ("1.0", "1.0")
        assert "pendingVersion" not in member

        package(client, root, "1.1")
        member = members(client, pack_id)[root]
        assert (member["currentVersion"], member["pendingVersion"]) == ("1.0", "1.1")
        assert member["latestVersion"] == "1.1"

        available = client.post("/IntegrationPack/query", json=eq("name", "Customers - TEST"))
        assert available.json()["result"] == [
            {
                "@type": "IntegrationPack",
                "id": pack_id,
                "name": "Customers - TEST",
                "Description": "Test",
                "installationType": "MULTI",
            }
        ]
        assert client.get(f"/IntegrationPack/{pack_id}").json()["name"] == "Customers - TEST"
    with emulator.client(params={"overrideAccount": team_a}) as sub_account:
        assert sub_account.get(f"/IntegrationPack/{pack_id}").status_code == 200
        assert sub_account.get(f"/PublisherIntegrationPack/{pack_id}").status_code == 404


def test_only_components_with_a_shareable_package_can_be_added(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        pack_id = create_pack(client, "Shareable Only")
        process = new_process(client, "Private")
        package(client, process, "1.0", shareable=False)
        refused = change_pack(client, pack_id, "ADD", process)
        assert refused.status_code == 400
        assert "shareable" in refused.json()["message"]
        assert change_pack(client, pack_id, "ADD", "no-such-component").status_code == 400
        assert members(client, pack_id) == {}

        package(client, process, "1.1")
        assert change_pack(client, pack_id, "ADD", process).status_code == 200
        assert change_pack(client, pack_id, "ADD", process).status_code == 200, "idempotent"
        assert list(members(client, pack_id)) == [process]
        no_operation = client.post(
            f"/PublisherIntegrationPack/{pack_id}",
            json={
                "Description": "Test",
                "PublisherPackagedComponents": {
                    "PublisherPackagedComponent": [{"componentId": process}]
                },
            },
        )
        assert no_operation.status_code == 400
        assert "operationType" in no_operation.json()["message"]


def test_the_release_holds_exactly_the_listed_components(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        first, second = new_process(client, "First"), new_process(client, "Second")
        for process in (first, second):
            package(client, process, "1.0")
        pack_id = create_pack(client, "Two")
        change_pack(client, pack_id, "ADD", first, second)
        release(client, pack_id, (first, "1.0"), (second, "1.0"))
        assert {m["currentVersion"] for m in members(client, pack_id).values()} == {"1.0"}

        package(client, first, "2.0")
        request_id = release(client, pack_id, (first, "2.0"))
        status = client.get(STATUS.format(request_id)).json()
        assert status["releaseStatus"] == "SUCCESS"
        after = members(client, pack_id)
        assert after[first]["currentVersion"] == "2.0"
        assert "currentVersion" not in after[second], "left out of the release, so dropped"
        assert after[second]["pendingVersion"] == "1.0"


def test_a_release_refuses_what_is_not_in_the_pack(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        inside, outside = new_process(client, "Inside"), new_process(client, "Outside")
        package(client, inside, "1.0")
        package(client, outside, "1.0")
        package(client, inside, "1.1", shareable=False)
        pack_id = create_pack(client, "Strict")
        change_pack(client, pack_id, "ADD", inside)
        scheduled_without_date = release_body(pack_id, (inside, "1.0"))
        scheduled_without_date["releaseSchedule"] = "RELEASE_ON_SPECIFIED_DATE"
        cases = [
            (
                release_body(pack_id, (inside, "1.0"), (outside, "1.0")),
                "is not in integration pack",
            ),
            (release_body(pack_id, (inside, "9.9")), "Version 9.9 is not a shareable"),
            (release_body(pack_id, (inside, "1.1")), "Version 1.1 is not a shareable"),
            (release_body(pack_id), "must list the pack's components"),
            (release_body("no-such-pack", (inside, "1.0")), "'no-such-pack' is not"),
            (release_body(pack_id, (inside, "1.0"), on="2001-01-01"), "in the past"),
            (release_body(pack_id, (inside, "1.0"), on="next week"), "yyyy-MM-dd"),
            (scheduled_without_date, "releaseOnDate (yyyy-MM-dd) is required"),
            (
                {
                    "id": pack_id,
                    "releaseSchedule": "IMMEDIATELY",
                    "ReleasePackagedComponents": [{"componentId": inside, "version": "1.0"}],
                },
                "ReleasePackagedComponents: [{'componentId'",
            ),
        ]
        for body, reason in cases:
            answer = client.post("/ReleaseIntegrationPack", json=body)
            assert answer.status_code == 400, reason
            assert answer.json()["@type"] == "Error"
            assert reason in answer.json()["message"]
        assert emulator.state.releases == {}, "nothing was released"
        assert client.get(STATUS.format("no-such-request")).status_code == 404


def test_a_scheduled_release_waits_for_its_date(emulator: EmulatorHandle) -> None:
    clock = install_clock(emulator)
    tomorrow = (clock.today() + timedelta(days=1)).date()
    with emulator.client() as client:
        process = new_process(client, "Nightly")
        package(client, process, "1.0")
        pack_id = create_pack(client, "Scheduled")
        change_pack(client, pack_id, "ADD", process)
        answer = client.post(
            "/ReleaseIntegrationPack",
            json=release_body(pack_id, (process, "1.0"), on=tomorrow.isoformat()),
        ).json()
        assert answer["releaseSchedule"] == "RELEASE_ON_SPECIFIED_DATE"
        assert answer["releaseOnDate"] == tomorrow.isoformat()
        waiting = client.get(STATUS.format(answer["requestId"]))
        assert waiting.status_code == 202
        assert waiting.json()["releaseStatus"] == "SCHEDULED"
        assert waiting.json()["releaseOnDate"] == tomorrow.isoformat()

        clock.advance(timedelta(hours=8).total_seconds())
        assert client.get(STATUS.format(answer["requestId"])).status_code == 202
        assert "currentVersion" not in members(client, pack_id)[process]
        clock.advance(timedelta(hours=1).total_seconds())
        done = client.get(STATUS.format(answer["requestId"]))
        assert (done.status_code, done.json()["releaseStatus"]) == (200, "SUCCESS")
        assert members(client, pack_id)[process]["currentVersion"] == "1.0"


def test_injected_release_faults_end_releases_in_error(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        process = new_process(client, "Fragile")
        package(client, process, "1.0")
        test_pack = create_pack(client, "Fragile - TEST")
        prod_pack = create_pack(client, "Fragile")
        for pack_id in (test_pack, prod_pack):
            change_pack(client, pack_id, "ADD", process)
        emulator.state.release_faults.add(r" - TEST$", message="Runtime rejected the release.")

        failed = client.get(STATUS.format(release(client, test_pack, (process, "1.0"))))
        assert failed.status_code == 200
        assert failed.json()["releaseStatus"] == "ERROR"
        assert failed.json()["message"] == "Runtime rejected the release."
        assert "ReleasePackagedComponents" not in failed.json()
        assert "currentVersion" not in members(client, test_pack)[process]

        succeeded = client.get(STATUS.format(release(client, prod_pack, (process, "1.0"))))
        assert succeeded.json()["releaseStatus"] == "SUCCESS"

    # The same through the control API, once only.
    control = f"{emulator.base_url}/__emulator__/release-faults"
    emulator.state.release_faults.clear()
    added = control_api.post(control, json={"pack": prod_pack, "count": 1})
    assert added.status_code == 201, added.text
    assert [f["pack"] for f in control_api.get(control).json()["releaseFaults"]] == [prod_pack]
    with emulator.client() as client:
        first = client.get(STATUS.format(release(client, prod_pack, (process, "1.0")))).json()
        second = client.get(STATUS.format(release(client, prod_pack, (process, "1.0")))).json()
        assert (first["releaseStatus"], second["releaseStatus"]) == ("ERROR", "SUCCESS")
    assert control_api.post(control, json={"pack": "("}).status_code == 400
    assert control_api.delete(control).status_code == 204


def test_removed_components_leave_at_the_next_release(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        kept, removed = new_process(client, "Kept"), new_process(client, "Removed")
        for process in (kept, removed):
            package(client, process, "1.0")
        pack_id = create_pack(client, "Shrinking")
        change_pack(client, pack_id, "ADD", kept, removed)
        release(client, pack_id, (kept, "1.0"), (removed, "1.0"))

        assert change_pack(client, pack_id, "DELETE", removed).status_code == 200
        assert members(client, pack_id)[removed]["deleted"] is True
        assert change_pack(client, pack_id, "DELETE", removed).status_code == 400
        listed_anyway = client.post(
            "/ReleaseIntegrationPack", json=release_body(pack_id, (kept, "1.0"), (removed, "1.0"))
        )
        assert listed_anyway.status_code == 400
        release(client, pack_id, (kept, "1.0"))
        assert list(members(client, pack_id)) == [kept]


def test_an_update_deletes_the_components_it_does_not_list(emulator: EmulatorHandle) -> None:
    """Boomi's documented rule: an update lists every packaged component of the pack; one it
    leaves out is deleted (it leaves at the next release)."""
    with emulator.client() as client:
        first, second, third = (new_process(client, name) for name in ("One", "Two", "Three"))
        for process in (first, second, third):
            package(client, process, "1.0")
        pack_id = create_pack(client, "Replaced")
        change_pack(client, pack_id, "ADD", first, second)
        release(client, pack_id, (first, "1.0"), (second, "1.0"))

        only_new = change_pack(client, pack_id, "ADD", third)
        assert only_new.status_code == 200, only_new.text
        after = members(client, pack_id)
        assert {c: m["deleted"] for c, m in after.items()} == {
            first: True,
            second: True,
            third: False,
        }
        refused = client.post(
            "/ReleaseIntegrationPack", json=release_body(pack_id, (first, "1.0"), (third, "1.0"))
        )
        assert refused.status_code == 400, "a left-out component is no longer in the pack"

        change_pack(client, pack_id, "ADD", first, second, third)
        assert not any(m["deleted"] for m in members(client, pack_id).values()), "put back"
        change_pack(client, pack_id, "ADD", first, third)
        release(client, pack_id, (first, "1.0"), (third, "1.0"))
        assert list(members(client, pack_id)) == [first, third]

        renamed_only = client.post(
            f"/PublisherIntegrationPack/{pack_id}", json={"id": pack_id, "Description": "new"}
        )
        assert renamed_only.status_code == 200
        assert all(m["deleted"] for m in members(client, pack_id).values()), (
            "an update of the description alone lists no component: all of them are deleted"
        )
        unknown = client.post(
            f"/PublisherIntegrationPack/{pack_id}", json={"id": pack_id, "operationType": "MOVE"}
        )
        assert unknown.status_code == 400


def test_pack_update_rules_and_delete(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        multi = create_pack(client, "Multi")
        single = create_pack(client, "Single", "SINGLE")
        assert (
            client.post(f"/PublisherIntegrationPack/{multi}", json={"name": "Renamed"}).status_code
            == 400
        )
        renamed = client.post(
            f"/PublisherIntegrationPack/{single}",
            json={"name": "Single Renamed", "Description": "new words"},
        ).json()
        assert (renamed["name"], renamed["Description"]) == ("Single Renamed", "new words")
        assert (
            client.post(
                f"/PublisherIntegrationPack/{single}", json={"installationType": "MULTI"}
            ).status_code
            == 400
        )
        lower_case = client.post(
            "/PublisherIntegrationPack",
            json={"name": "Lower", "description": "x", "installationType": "MULTI"},
        )
        assert "Description" in lower_case.json()["message"]
        no_type = client.post("/PublisherIntegrationPack", json={"name": "No Type"})
        assert no_type.status_code == 400

        found = client.post(
            "/PublisherIntegrationPack/query", json=eq("installationType", "SINGLE")
        )
        assert [p["id"] for p in found.json()["result"]] == [single]
        assert client.delete(f"/PublisherIntegrationPack/{single}").status_code == 200
        assert client.get(f"/PublisherIntegrationPack/{single}").status_code == 404
        assert client.delete(f"/PublisherIntegrationPack/{single}").status_code == 404
        remaining = client.post("/PublisherIntegrationPack/query", json=EVERYTHING)
        assert [p["id"] for p in remaining.json()["result"]] == [multi]


def test_pack_queries_page_with_query_more(emulator: EmulatorHandle) -> None:
    emulator.state.settings.page_size = 2
    with emulator.client() as client:
        created = [create_pack(client, f"Paged {n}") for n in range(5)]
        first = client.post("/PublisherIntegrationPack/query", json=EVERYTHING).json()
        assert first["numberOfResults"] == 2 and "queryToken" in first
        listed = query_all(client, "PublisherIntegrationPack", EVERYTHING)
        assert [p["id"] for p in listed] == created


def test_packs_and_releases_speak_xml(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        process = new_process(client, "Xml")
        package(client, process, "1.0")
        body = (
            '<bns:PublisherIntegrationPack xmlns:bns="http://api.platform.boomi.com/" '
            'name="Xml Pack" installationType="MULTI"><bns:Description>From XML'
            "</bns:Description></bns:PublisherIntegrationPack>"
        )
        created = parse(client.post("/PublisherIntegrationPack", content=body, headers=XML))
        pack_id = created.get("id")
        assert created.get("Description") == "From XML"
        update = (
            '<bns:PublisherIntegrationPack xmlns:bns="http://api.platform.boomi.com/" '
            f'id="{pack_id}" operationType="ADD"><bns:PublisherPackagedComponents>'
            f'<bns:PublisherPackagedComponent componentId="{process}"/>'
            "</bns:PublisherPackagedComponents></bns:PublisherIntegrationPack>"
        )
        updated = parse(
            client.post(f"/PublisherIntegrationPack/{pack_id}", content=update, headers=XML)
        )
        bns = "{http://api.platform.boomi.com/}"
        listed = updated.find(f"{bns}PublisherPackagedComponents/{bns}PublisherPackagedComponent")
        assert listed.get("componentId") == process
        assert listed.get("latestVersion") == "1.0"

        request = (
            '<bns:ReleaseIntegrationPack xmlns:bns="http://api.platform.boomi.com/" '
            f'id="{pack_id}" releaseSchedule="IMMEDIATELY"><bns:ReleasePackagedComponents>'
            f'<bns:ReleasePackagedComponent componentId="{process}" version="1.0"/>'
            "</bns:ReleasePackagedComponents></bns:ReleaseIntegrationPack>"
        )
        answer = parse(client.post("/ReleaseIntegrationPack", content=request, headers=XML))
        assert answer.tag == f"{bns}ReleaseIntegrationPack"
        status = parse(
            client.get(
                STATUS.format(answer.get("requestId")), headers={"Accept": "application/xml"}
            )
        )
        assert status.get("releaseStatus") == "SUCCESS"
        released = status.find(f"{bns}ReleasePackagedComponents/{bns}ReleasePackagedComponent")
        assert released.get("releasedVersion") == "1.0"
