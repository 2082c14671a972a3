"""Bulk GET on the wire (MockTransport): the OpenAPI body, Boomi's limits, answers in order."""

from __future__ import annotations

import json

import httpx
import pytest

from boomi_promo.boomi import BoomiResponseError, Component, ComponentMetadata
from tests.unit.boomi.support import (
    COMPONENT_ID,
    PROCESS_XML,
    ROOT,
    ScriptedBoomi,
    json_response,
    make_client,
    xml_response,
)

DEV = "dev-team-a-7788"
BNS = "http://api.platform.boomi.com/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def component_result(component_id: str) -> str:
    """PROCESS_XML as a BulkResult's ``<bns:Result xsi:type="bns:Component">``."""
    document = PROCESS_XML.decode().split("?>", 1)[1].strip()
    document = document.replace(COMPONENT_ID, component_id)
    return document.replace("<bns:Component ", '<bns:Result xsi:type="bns:Component" ', 1).replace(
        "</bns:Component>", "</bns:Result>"
    )


def component_bulk_answer(request: httpx.Request) -> httpx.Response:
    """Boomi's XML BulkResult for the requested ids; ids starting with ``gone`` are 400s."""
    ids = [entry["id"] for entry in json.loads(request.content)["request"]]
    responses = "".join(
        f'<bns:response index="{index}" id="{object_id}" statusCode="400" '
        f'errorMessage="Component {object_id} is invalid."/>'
        if object_id.startswith("gone")
        else f'<bns:response index="{index}" id="{object_id}" statusCode="200">'
        f"{component_result(object_id)}</bns:response>"
        for index, object_id in enumerate(ids)
    )
    body = f'<bns:BulkResult xmlns:bns="{BNS}" xmlns:xsi="{XSI}">{responses}</bns:BulkResult>'
    return xml_response(200, body.encode())


async def test_six_components_take_two_calls_of_five_and_one_in_order() -> None:
    boomi = ScriptedBoomi(component_bulk_answer)
    ids = ["c1", "c2", "gone-3", "c4", "c5", "c6"]
    async with make_client(boomi) as client:
        items = await client.bulk_get_components(ids, override_account=DEV)

    assert len(boomi.requests) == 2
    for request in boomi.requests:
        assert (request.method, request.url.path) == (
            "POST",
            "/partner/api/rest/v1/primary-A1B2C3/Component/bulk",
        )
        assert request.headers["Accept"] == "application/xml"
        assert request.headers["Content-Type"] == "application/json"
        assert request.url.params["overrideAccount"] == DEV
    assert json.loads(boomi.requests[0].content) == {
        "type": "GET",
        "request": [{"id": "c1"}, {"id": "c2"}, {"id": "gone-3"}, {"id": "c4"}, {"id": "c5"}],
    }
    assert json.loads(boomi.requests[1].content) == {"type": "GET", "request": [{"id": "c6"}]}
    assert [item.id for item in items] == ids
    assert [(item.status_code, item.found) for item in items] == [
        (200, True),
        (200, True),
        (400, False),
        (200, True),
        (200, True),
        (200, True),
    ]
    assert items[2].error_message == "Component gone-3 is invalid."
    first = items[0].result
    assert isinstance(first, Component)
    assert (first.component_id, first.name, first.version) == ("c1", "Orders - Sync to ERP", 7)
    assert first.description == "Pulls new orders and posts them to the ERP"
    assert first.xml.startswith(b"<?xml")
    assert b"<bns:Component " in first.xml and b"xsi:type" not in first.xml
    assert Component.from_xml(first.xml) == first, "the document, as GET /Component gives it"


async def test_json_bulk_reads_are_put_back_in_request_order() -> None:
    answer = {
        "@type": "BulkResult",
        "response": [
            {
                "@type": "BulkResponse",
                "index": 2,
                "id": "m3",
                "statusCode": "200",
                "Result": {"@type": "ComponentMetadata", "componentId": "m3", "version": 3},
            },
            {
                "@type": "BulkResponse",
                "index": 1,
                "id": "m2",
                "statusCode": 404,
                "errorMessage": "No",
            },
            {
                "@type": "BulkResponse",
                "index": 0,
                "statusCode": 200,
                "Result": {"@type": "ComponentMetadata", "componentId": "m1", "version": "2.0"},
            },
        ],
    }
    boomi = ScriptedBoomi(json_response(200, answer))
    async with make_client(boomi) as client:
        items = await client.bulk_get_component_metadata(["m1", "m2", "m3"])

    assert str(boomi.requests[0].url) == f"{ROOT}/ComponentMetadata/bulk"
    assert boomi.requests[0].headers["Accept"] == "application/json"
    assert [(i.id, i.status_code, i.error_message) for i in items] == [
        ("m1", 200, None),
        ("m2", 404, "No"),
        ("m3", 200, None),
    ]
    assert items[0].result == ComponentMetadata(component_id="m1", version=2)
    assert items[1].result is None


async def test_other_objects_take_a_hundred_ids_a_call() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        ids = [entry["id"] for entry in json.loads(request.content)["request"]]
        return json_response(
            200,
            {
                "response": [
                    {"index": n, "statusCode": 200, "Result": {"id": i, "name": i}}
                    for n, i in enumerate(ids)
                ]
            },
        )

    boomi = ScriptedBoomi(echo)
    ids = [f"folder-{n:03}" for n in range(150)]
    async with make_client(boomi) as client:
        folders = await client.bulk_get_folders(ids)
        nothing = await client.bulk_get_packaged_components([])

    assert [len(json.loads(r.content)["request"]) for r in boomi.requests] == [100, 50]
    assert all(r.url.path.endswith("/Folder/bulk") for r in boomi.requests)
    assert [f.result.id if f.result else None for f in folders] == ids
    assert nothing == [], "no ids, no call"
    assert len(boomi.requests) == 2


async def test_an_answer_that_does_not_match_the_request_is_refused() -> None:
    short = json_response(200, {"response": [{"statusCode": 200, "Result": {"accountId": "a"}}]})
    boomi = ScriptedBoomi(short)
    async with make_client(boomi) as client:
        with pytest.raises(BoomiResponseError, match="1 results for 2 ids"):
            await client.bulk_get_accounts(["a", "b"])
    not_xml = ScriptedBoomi(json_response(200, {"response": []}))
    async with make_client(not_xml) as client:
        with pytest.raises(BoomiResponseError, match="not XML"):
            await client.bulk_get_components(["c1"])
