"""Integration packs, releases, environments and deployments on the wire (MockTransport)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from boomi_promo.boomi import (
    BoomiBadRequestError,
    DeployedPackage,
    InstallationType,
    IntegrationPack,
    PublisherIntegrationPack,
    QueryFilter,
    ReleaseIntegrationPackStatus,
    ReleaseStatus,
)
from tests.unit.boomi.support import (
    ROOT,
    FakeSleep,
    ScriptedBoomi,
    boomi_error,
    json_response,
    make_client,
)

PACK_ID = "5d1c3e7a-0b8f-4f6e-9a21-6c0e4b2d8f13"
COMPONENT = "b7e2a9c4-3f1d-4e8b-a6c5-0d9f2e1b7a34"
OTHER = "c3d9f1a2-7b6e-4c8d-9e0f-1a2b3c4d5e6f"
REQUEST_ID = "release-4e5f6a7b"
ENVIRONMENT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
DEV = "dev-team-a-7788"


def pack_json(*components: dict[str, object]) -> dict[str, object]:
    return {
        "@type": "PublisherIntegrationPack",
        "id": PACK_ID,
        "name": "Orders - TEST",
        "Description": "Orders for testing",
        "installationType": "MULTI",
        "PublisherPackagedComponents": {
            "@type": "PublisherPackagedComponents",
            "PublisherPackagedComponent": list(components),
        },
    }


async def test_create_pack_sends_name_capital_description_and_installation_type() -> None:
    boomi = ScriptedBoomi(json_response(200, pack_json()))
    async with make_client(boomi) as client:
        pack = await client.create_publisher_integration_pack(
            "Orders - TEST", description="Orders for testing"
        )

    request = boomi.requests[0]
    assert (request.method, str(request.url)) == ("POST", f"{ROOT}/PublisherIntegrationPack")
    assert boomi.body_json(0) == {
        "name": "Orders - TEST",
        "Description": "Orders for testing",
        "installationType": "MULTI",
    }
    assert pack == PublisherIntegrationPack(
        id=PACK_ID,
        name="Orders - TEST",
        description="Orders for testing",
        installation_type=InstallationType.MULTI,
    )
    with pytest.raises(ValueError):
        await make_client(boomi).create_publisher_integration_pack("x", installation_type="BOTH")


def query_result(*rows: dict[str, object]) -> dict[str, object]:
    return {"@type": "QueryResult", "numberOfResults": len(rows), "result": list(rows)}


async def test_a_pack_create_that_timed_out_is_found_by_name_not_made_twice() -> None:
    boomi = ScriptedBoomi(httpx.ReadTimeout, json_response(200, query_result(pack_json())))
    async with make_client(boomi, sleep=FakeSleep()) as client:
        pack = await client.create_publisher_integration_pack("Orders - TEST")

    assert pack.id == PACK_ID
    assert [(r.method, r.url.path.rsplit("/", 1)[1]) for r in boomi.requests] == [
        ("POST", "PublisherIntegrationPack"),
        ("POST", "query"),
    ]
    assert boomi.body_json(1) == {
        "QueryFilter": {
            "expression": {"operator": "EQUALS", "property": "name", "argument": ["Orders - TEST"]}
        }
    }


async def test_a_pack_create_that_timed_out_and_is_not_there_is_sent_again() -> None:
    boomi = ScriptedBoomi(
        httpx.ReadTimeout, json_response(200, query_result()), json_response(200, pack_json())
    )
    async with make_client(boomi, sleep=FakeSleep()) as client:
        pack = await client.create_publisher_integration_pack("Orders - TEST")

    assert pack.id == PACK_ID
    assert [r.url.path.rsplit("/", 1)[1] for r in boomi.requests] == [
        "PublisherIntegrationPack",
        "query",
        "PublisherIntegrationPack",
    ]


def member_json(component_id: str, **fields: object) -> dict[str, object]:
    return {
        "@type": "PublisherPackagedComponent",
        "componentId": component_id,
        "componentType": "process",
        "deleted": False,
        **fields,
    }


THIRD = "d4e5f6a7-8b9c-4d0e-8f1a-2b3c4d5e6f70"


async def test_an_added_component_joins_every_component_the_pack_already_lists() -> None:
    # Boomi's update deletes the packaged components it does not list: the client reads the
    # pack first and sends them all, the new one with them.
    before = pack_json(
        member_json(COMPONENT, componentName="Orders Sync", currentVersion="1.0"),
        member_json(OTHER, latestVersion="2.0"),
        member_json(THIRD, deleted=True),
    )
    after = pack_json(
        member_json(COMPONENT, componentName="Orders Sync", currentVersion="1.0"),
        member_json(OTHER, latestVersion="2.0"),
        member_json(THIRD, pendingVersion="1.1", latestVersion="1.1"),
    )
    boomi = ScriptedBoomi(json_response(200, before), json_response(200, after))
    async with make_client(boomi) as client:
        pack = await client.add_to_integration_pack(PACK_ID, [THIRD, OTHER])

    read, update = boomi.requests
    assert (read.method, str(read.url)) == ("GET", f"{ROOT}/PublisherIntegrationPack/{PACK_ID}")
    assert (update.method, str(update.url)) == (
        "POST",
        f"{ROOT}/PublisherIntegrationPack/{PACK_ID}",
    )
    assert boomi.body_json(1) == {
        "id": PACK_ID,
        "name": "Orders - TEST",
        "installationType": "MULTI",
        "Description": "Orders for testing",
        "operationType": "ADD",
        "PublisherPackagedComponents": {
            "PublisherPackagedComponent": [
                {"componentId": COMPONENT},
                {"componentId": OTHER},
                {"componentId": THIRD},
            ]
        },
    }, "every component of the pack, the one marked for removal put back"
    member = pack.component(THIRD)
    assert member is not None and not member.deleted
    assert member.pending_version == "1.1"


async def test_adding_what_the_pack_holds_writes_nothing() -> None:
    boomi = ScriptedBoomi(json_response(200, pack_json(member_json(COMPONENT))))
    async with make_client(boomi) as client:
        pack = await client.add_to_integration_pack(PACK_ID, [COMPONENT], override_account=DEV)

    assert [request.method for request in boomi.requests] == ["GET"]
    assert boomi.requests[0].url.params["overrideAccount"] == DEV
    assert [m.component_id for m in pack.components] == [COMPONENT]
    with pytest.raises(ValueError):
        await make_client(boomi).add_to_integration_pack(PACK_ID, [])


async def test_a_removal_lists_every_other_component_of_the_pack() -> None:
    before = pack_json(member_json(COMPONENT), member_json(OTHER), member_json(THIRD))
    after = pack_json(member_json(COMPONENT), member_json(OTHER, deleted=True), member_json(THIRD))
    boomi = ScriptedBoomi(json_response(200, before), json_response(200, after))
    async with make_client(boomi) as client:
        pack = await client.remove_from_integration_pack(PACK_ID, [OTHER], override_account=DEV)

    assert [request.method for request in boomi.requests] == ["GET", "POST"]
    assert boomi.requests[1].url.params["overrideAccount"] == DEV
    body = boomi.body_json(1)
    assert body["operationType"] == "ADD"
    assert body["PublisherPackagedComponents"] == {
        "PublisherPackagedComponent": [{"componentId": COMPONENT}, {"componentId": THIRD}]
    }
    removed = pack.component(OTHER)
    assert removed is not None and removed.deleted

    absent = ScriptedBoomi(json_response(200, pack_json(member_json(COMPONENT))))
    async with make_client(absent) as client:
        await client.remove_from_integration_pack(PACK_ID, [OTHER])
    assert [request.method for request in absent.requests] == ["GET"], "nothing to remove"


async def test_release_body_lists_every_component_in_the_openapi_wrapper() -> None:
    answer = {
        "@type": "ReleaseIntegrationPack",
        "id": PACK_ID,
        "name": "Orders - TEST",
        "installationType": "MULTI",
        "releaseSchedule": "IMMEDIATELY",
        "requestId": REQUEST_ID,
        "releaseStatusUrl": f"{ROOT}/ReleaseIntegrationPackStatus/{REQUEST_ID}",
        "ReleasePackagedComponents": {
            "ReleasePackagedComponent": [
                {"componentId": COMPONENT, "version": "1.1"},
                {"componentId": OTHER, "version": "2.0"},
            ]
        },
    }
    boomi = ScriptedBoomi(json_response(200, answer))
    async with make_client(boomi) as client:
        release = await client.release_integration_pack(
            PACK_ID, [(COMPONENT, "1.1"), (OTHER, "2.0")]
        )
        await client.release_integration_pack(
            PACK_ID,
            [(COMPONENT, "1.1")],
            schedule="RELEASE_ON_SPECIFIED_DATE",
            release_on_date=date(2026, 4, 1),
        )

    assert str(boomi.requests[0].url) == f"{ROOT}/ReleaseIntegrationPack"
    assert boomi.body_json(0) == {
        "id": PACK_ID,
        "releaseSchedule": "IMMEDIATELY",
        "ReleasePackagedComponents": {
            "ReleasePackagedComponent": [
                {"componentId": COMPONENT, "version": "1.1"},
                {"componentId": OTHER, "version": "2.0"},
            ]
        },
    }
    assert boomi.body_json(1)["releaseSchedule"] == "RELEASE_ON_SPECIFIED_DATE"
    assert boomi.body_json(1)["releaseOnDate"] == "2026-04-01"
    assert release.request_id == REQUEST_ID
    assert release.release_status_url == f"{ROOT}/ReleaseIntegrationPackStatus/{REQUEST_ID}"
    assert [(c.component_id, c.version) for c in release.components] == [
        (COMPONENT, "1.1"),
        (OTHER, "2.0"),
    ]


@pytest.mark.parametrize(
    ("components", "schedule", "on"),
    [
        ([], "IMMEDIATELY", None),
        ([(COMPONENT, "1.0")], "RELEASE_ON_SPECIFIED_DATE", None),
        ([(COMPONENT, "1.0")], "IMMEDIATELY", date(2026, 4, 1)),
        ([(COMPONENT, "1.0")], "TOMORROW", None),
    ],
)
async def test_release_arguments_are_checked_before_sending(
    components: list[tuple[str, str]], schedule: str, on: date | None
) -> None:
    boomi = ScriptedBoomi(json_response(200, {}))
    async with make_client(boomi) as client:
        with pytest.raises(ValueError):
            await client.release_integration_pack(
                PACK_ID, components, schedule=schedule, release_on_date=on
            )
    assert boomi.requests == []


async def test_release_status_202_is_an_answer_not_an_error() -> None:
    in_progress = {
        "@type": "ReleaseIntegrationPackStatus",
        "requestId": REQUEST_ID,
        "integrationPackId": PACK_ID,
        "name": "Orders - TEST",
        "releaseStatus": "IN_PROGRESS",
        "responseStatusCode": 202,
    }
    finished = {
        **in_progress,
        "releaseStatus": "SUCCESS",
        "responseStatusCode": 200,
        "ReleasePackagedComponents": {
            "ReleasePackagedComponent": {"componentId": COMPONENT, "releasedVersion": "1.1"}
        },
    }
    boomi = ScriptedBoomi(
        json_response(202, in_progress),
        httpx.Response(202),
        json_response(200, finished),
    )
    sleep = FakeSleep()
    async with make_client(boomi, sleep=sleep) as client:
        first = await client.get_release_status(REQUEST_ID)
        empty = await client.get_release_status(REQUEST_ID)
        done = await client.get_release_status(REQUEST_ID)

    assert len(boomi.requests) == 3 and sleep.waits == [], "no retry, no backoff"
    assert str(boomi.requests[0].url) == f"{ROOT}/ReleaseIntegrationPackStatus/{REQUEST_ID}"
    assert (first.release_status, first.integration_pack_id, first.finished) == (
        ReleaseStatus.IN_PROGRESS,
        PACK_ID,
        False,
    )
    assert empty == ReleaseIntegrationPackStatus(
        request_id=REQUEST_ID, release_status="IN_PROGRESS", response_status_code=202
    )
    assert done.finished and done.release_status == ReleaseStatus.SUCCESS
    assert [(c.component_id, c.released_version) for c in done.components] == [(COMPONENT, "1.1")]


async def test_a_sparse_202_release_status_is_pending_and_keeps_its_request_id() -> None:
    # Boomi's schema requires only responseStatusCode: no releaseStatus, no requestId.
    boomi = ScriptedBoomi(
        json_response(202, {"@type": "ReleaseIntegrationPackStatus", "responseStatusCode": 202})
    )
    async with make_client(boomi) as client:
        status = await client.get_release_status(REQUEST_ID)

    assert (status.request_id, status.release_status, status.finished) == (
        REQUEST_ID,
        ReleaseStatus.IN_PROGRESS,
        False,
    )


async def test_release_status_error_is_finished_with_its_message() -> None:
    failed = {
        "requestId": REQUEST_ID,
        "releaseStatus": "ERROR",
        "responseStatusCode": 200,
        "message": "Release failed",
    }
    boomi = ScriptedBoomi(json_response(200, failed))
    async with make_client(boomi) as client:
        status = await client.get_release_status(REQUEST_ID)
    assert status.finished and status.message == "Release failed"
    assert status.components == []


async def test_integration_packs_and_environments_are_queried_with_query_filters() -> None:
    boomi = ScriptedBoomi(
        json_response(
            200,
            {
                "@type": "QueryResult",
                "numberOfResults": 1,
                "result": [
                    {
                        "@type": "IntegrationPack",
                        "id": PACK_ID,
                        "name": "Orders",
                        "Description": "Production orders",
                        "installationType": "MULTI",
                    }
                ],
            },
        ),
        json_response(
            200,
            {
                "@type": "QueryResult",
                "numberOfResults": 1,
                "result": [
                    {
                        "@type": "Environment",
                        "id": ENVIRONMENT,
                        "name": "Test",
                        "classification": "TEST",
                    }
                ],
            },
        ),
        json_response(
            200,
            {"@type": "Environment", "id": ENVIRONMENT, "name": "Test", "classification": "TEST"},
        ),
    )
    async with make_client(boomi) as client:
        packs = [
            p
            async for p in client.query_integration_packs(
                QueryFilter.where("installationType", "EQUALS", "MULTI")
            )
        ]
        environments = [e async for e in client.query_environments(override_account=DEV)]
        environment = await client.get_environment(ENVIRONMENT)

    assert str(boomi.requests[0].url) == f"{ROOT}/IntegrationPack/query"
    assert boomi.body_json(0) == {
        "QueryFilter": {
            "expression": {
                "operator": "EQUALS",
                "property": "installationType",
                "argument": ["MULTI"],
            }
        }
    }
    assert packs == [
        IntegrationPack(
            id=PACK_ID, name="Orders", description="Production orders", installation_type="MULTI"
        )
    ]
    assert str(boomi.requests[1].url).startswith(f"{ROOT}/Environment/query")
    assert boomi.requests[1].url.params["overrideAccount"] == DEV
    assert boomi.body_json(1) == {
        "QueryFilter": {"expression": {"operator": "and", "nestedExpression": []}}
    }
    assert [e.classification for e in environments] == ["TEST"]
    assert str(boomi.requests[2].url) == f"{ROOT}/Environment/{ENVIRONMENT}"
    assert environment.name == "Test"


async def test_deploying_a_package_and_a_duplicate() -> None:
    deployed = {
        "@type": "DeployedPackage",
        "deploymentId": "dep-1",
        "environmentId": ENVIRONMENT,
        "packageId": "pkg-1",
        "packageVersion": "1.1",
        "componentId": COMPONENT,
        "componentVersion": 4,
        "version": 2,
        "active": True,
        "notes": "promotion 42",
    }
    boomi = ScriptedBoomi(
        json_response(200, deployed),
        boomi_error(400, "Deployment is a duplicate of an active deployment."),
        boomi_error(404, "Deployment dep-1 was not found."),
    )
    async with make_client(boomi) as client:
        created = await client.create_deployed_package(
            ENVIRONMENT, "pkg-1", notes="promotion 42", listener_status="RUNNING"
        )
        with pytest.raises(BoomiBadRequestError, match="duplicate") as refused:
            await client.create_deployed_package(ENVIRONMENT, "pkg-1")
        assert await client.delete_deployed_package("dep-1") is False

    assert boomi.body_json(0) == {
        "environmentId": ENVIRONMENT,
        "packageId": "pkg-1",
        "notes": "promotion 42",
        "listenerStatus": "RUNNING",
    }
    assert boomi.body_json(1) == {"environmentId": ENVIRONMENT, "packageId": "pkg-1"}
    assert refused.value.status_code == 400
    assert len(boomi.requests) == 3, "a 400 is not retried"
    assert created == DeployedPackage.model_validate(deployed)
    assert (created.version, created.active, created.component_version) == (2, True, 4)
    assert (boomi.requests[2].method, str(boomi.requests[2].url)) == (
        "DELETE",
        f"{ROOT}/DeployedPackage/dep-1",
    )


def test_models_accept_either_description_spelling_and_unwrap_lists() -> None:
    lower = PublisherIntegrationPack.model_validate(
        {"id": PACK_ID, "name": "n", "description": "d", "PublisherPackagedComponents": {}}
    )
    assert lower.description == "d" and lower.components == []
    single = ReleaseIntegrationPackStatus.model_validate(
        {
            "requestId": REQUEST_ID,
            "releaseStatus": "SUCCESS",
            "ReleasePackagedComponents": {
                "ReleasePackagedComponent": [{"componentId": COMPONENT, "releasedVersion": "2"}]
            },
        }
    )
    assert single.components[0].released_version == "2"
