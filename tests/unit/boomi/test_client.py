from __future__ import annotations

import base64
import random

import httpx
import pytest
import structlog.testing
from pydantic import SecretStr

from boomi_promo.boomi import (
    BNS_NAMESPACE,
    BoomiAuthError,
    BoomiBadRequestError,
    BoomiCall,
    BoomiClient,
    BoomiForbiddenError,
    BoomiNotFoundError,
    BoomiRateLimitedError,
    BoomiResponseError,
    BoomiTimeoutError,
    BoomiTransportError,
    BoomiUnavailableError,
    BranchNotReadyError,
    MergeStage,
    Operator,
    QueryFilter,
)
from boomi_promo.boomi.transport import JSON
from boomi_promo.config import BoomiSettings
from boomi_promo.xmlsafe import parse_xml, to_bytes
from tests.unit.boomi.support import (
    API_TOKEN,
    BRANCH_ID,
    COMPONENT_ID,
    FOLDER_ID,
    OPERATION_ID,
    PRIMARY,
    PROCESS_XML,
    ROOT,
    USERNAME,
    Answer,
    FakeClock,
    FakeSleep,
    RecordingLimiter,
    ScriptedBoomi,
    boomi_error,
    json_response,
    make_client,
    xml_response,
)

DEV = "dev-team-a-7788"


def branch_json(*, ready: bool, stage: str, branch_id: str = BRANCH_ID) -> dict[str, object]:
    return {"@type": "Branch", "id": branch_id, "name": "promo-42", "ready": ready, "stage": stage}


def root_of(request: httpx.Request) -> dict[str, str]:
    root = parse_xml(request.content)
    assert root.tag == f"{{{BNS_NAMESPACE}}}Component"
    return {str(key): str(value) for key, value in root.attrib.items()}


# ---------------------------------------------------------------- requests on the wire


async def test_every_call_uses_basic_auth_with_the_boomi_token_prefix() -> None:
    boomi = ScriptedBoomi(json_response(200, branch_json(ready=True, stage="NORMAL")))
    async with make_client(boomi) as client:
        branch = await client.get_branch(BRANCH_ID)

    request = boomi.requests[0]
    expected = base64.b64encode(f"BOOMI_TOKEN.{USERNAME}:{API_TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert str(request.url) == f"{ROOT}/Branch/{BRANCH_ID}"
    assert request.headers["Accept"] == "application/json"
    assert branch.id == BRANCH_ID
    assert branch.ready is True


@pytest.mark.parametrize(
    ("override_account_rate_limit", "keys"),
    [(False, [PRIMARY, PRIMARY]), (True, [DEV, PRIMARY])],
    ids=["counted-against-the-primary", "counted-against-the-override-account"],
)
async def test_override_account_goes_in_the_query_and_the_limiter_counts_as_boomi_does(
    override_account_rate_limit: bool, keys: list[str]
) -> None:
    boomi = ScriptedBoomi(
        json_response(200, {"@type": "ComponentMetadata", "componentId": COMPONENT_ID})
    )
    limiter = RecordingLimiter()
    async with make_client(
        boomi, limiter=limiter, override_account_rate_limit=override_account_rate_limit
    ) as client:
        await client.get_component_metadata(COMPONENT_ID, override_account=DEV)
        await client.get_component_metadata(COMPONENT_ID)

    first, second = boomi.requests
    assert first.url.path == f"/partner/api/rest/v1/{PRIMARY}/ComponentMetadata/{COMPONENT_ID}"
    assert first.url.params["overrideAccount"] == DEV
    assert "overrideAccount" not in second.url.params
    # Boomi counts a Partner API call against the primary account unless the primary has
    # overrideAccountRateLimit on: the limiter keeps the same books.
    assert limiter.keys == keys


async def test_tilde_syntax_selects_revisions_and_branches() -> None:
    references = {
        "@type": "ComponentReference",
        "references": [
            {
                "parentComponentId": COMPONENT_ID,
                "parentVersion": 7,
                "componentId": "child-1",
                "type": "DEPENDENT",
                "branchId": BRANCH_ID,
            }
        ],
    }
    boomi = ScriptedBoomi(
        xml_response(200, PROCESS_XML),
        xml_response(200, PROCESS_XML),
        json_response(200, {"componentId": COMPONENT_ID, "version": 3}),
        json_response(200, references),
    )
    async with make_client(boomi) as client:
        await client.get_component(COMPONENT_ID, version=3)
        await client.get_component(COMPONENT_ID, branch_id=BRANCH_ID)
        await client.get_component_metadata(COMPONENT_ID, version=3)
        edges = await client.get_where_used(COMPONENT_ID, branch_id=BRANCH_ID)
        with pytest.raises(ValueError, match="not both"):
            await client.get_component(COMPONENT_ID, version=3, branch_id=BRANCH_ID)

    paths = [
        request.url.path.removeprefix(f"/partner/api/rest/v1/{PRIMARY}/")
        for request in boomi.requests
    ]
    assert paths == [
        f"Component/{COMPONENT_ID}~3",
        f"Component/{COMPONENT_ID}~{BRANCH_ID}",
        f"ComponentMetadata/{COMPONENT_ID}~3",
        f"ComponentReference/{COMPONENT_ID}~{BRANCH_ID}",
    ]
    assert boomi.requests[0].headers["Accept"] == "application/xml"
    assert [(edge.component_id, edge.type, edge.parent_version) for edge in edges] == [
        ("child-1", "DEPENDENT", 7)
    ]


async def test_component_round_trip_writes_to_the_branch_and_folder_by_root_attributes() -> None:
    def echo_component(request: httpx.Request) -> httpx.Response:
        root = parse_xml(request.content)
        root.set("componentId", root.get("componentId") or "prod-0001")
        root.set("version", "1" if request.url.path.endswith("/Component") else "8")
        root.set("folderFullPath", "Promoted/DevTeamA/Orders")
        return xml_response(200, to_bytes(root))

    boomi = ScriptedBoomi(xml_response(200, PROCESS_XML), echo_component)
    async with make_client(boomi) as client:
        dev_component = await client.get_component(COMPONENT_ID, override_account=DEV)
        created = await client.create_component(
            dev_component.xml, branch_id=BRANCH_ID, folder_id=FOLDER_ID
        )
        updated = await client.update_component("prod-0001", dev_component.xml, branch_id=BRANCH_ID)
        await client.update_component("prod-0001", dev_component.xml)

    assert dev_component.component_id == COMPONENT_ID
    assert dev_component.version == 7
    assert dev_component.type == "process"
    assert dev_component.folder_full_path == "DevTeamA/Orders"
    assert dev_component.current_version is True
    assert dev_component.description == "Pulls new orders and posts them to the ERP"

    create_request, update_request, main_request = boomi.requests[1:]
    assert create_request.method == "POST"
    assert create_request.url.path == f"/partner/api/rest/v1/{PRIMARY}/Component"
    assert create_request.headers["Content-Type"] == "application/xml"
    create_root = root_of(create_request)
    assert "componentId" not in create_root  # Boomi assigns the id of a new component
    assert create_root["branchId"] == BRANCH_ID
    assert create_root["folderId"] == FOLDER_ID

    assert update_request.url.path == f"/partner/api/rest/v1/{PRIMARY}/Component/prod-0001"
    update_root = root_of(update_request)
    assert update_root["componentId"] == "prod-0001"
    assert update_root["branchId"] == BRANCH_ID
    assert update_root["folderId"] == "RjoxMTE"  # the document's own folder when none given

    # the dev read carried branchId="Qjox"; a write without branch_id must go to main
    assert "branchId" not in root_of(main_request)

    assert created.component_id == "prod-0001"
    assert created.version == 1
    assert updated.version == 8
    # the object content travels untouched
    action = parse_xml(created.xml).find(".//connectoraction")
    assert action is not None
    assert action.get("operationId") == OPERATION_ID


async def test_query_follows_query_more_with_the_bare_token_on_every_page() -> None:
    def page(ids: list[str], token: str | None) -> httpx.Response:
        body: dict[str, object] = {
            "@type": "QueryResult",
            "numberOfResults": len(ids),
            "result": [
                {
                    "@type": "PackagedComponent",
                    "packageId": i,
                    "componentId": "c",
                    "packageVersion": i,
                }
                for i in ids
            ],
        }
        if token:
            body["queryToken"] = token
        return json_response(200, body)

    boomi = ScriptedBoomi(
        page(["p1", "p2"], "tok-page-2"), page(["p3"], "tok-page-3"), page(["p4"], None)
    )
    query = QueryFilter.where("componentType", Operator.EQUALS, "process")
    async with make_client(boomi) as client:
        packages = [p async for p in client.query_packaged_components(query, override_account=DEV)]

    assert [p.package_id for p in packages] == ["p1", "p2", "p3", "p4"]
    first, second, third = boomi.requests
    assert first.url.path.endswith("/PackagedComponent/query")
    assert boomi.body_json(0) == query.to_json()
    for request, token in ((second, b"tok-page-2"), (third, b"tok-page-3")):
        assert request.url.path.endswith("/PackagedComponent/queryMore")
        assert request.headers["Content-Type"] == "text/plain"
        assert request.content == token
        assert request.url.params["overrideAccount"] == DEV


async def test_query_stops_when_boomi_repeats_a_token() -> None:
    looping = json_response(200, {"numberOfResults": 1, "queryToken": "same", "result": [{}]})
    boomi = ScriptedBoomi(looping)
    async with make_client(boomi) as client:
        with pytest.raises(BoomiResponseError, match="same queryToken"):
            [item async for item in client.query("Folder", QueryFilter.all())]
    assert len(boomi.requests) == 2


def references_page(edges: list[tuple[str, int, str]], token: str | None = None) -> httpx.Response:
    """A ComponentReference QueryResult: one result per parent, its (parent, version, child)s."""
    by_parent: dict[tuple[str, int], list[dict[str, object]]] = {}
    for parent, version, child in edges:
        by_parent.setdefault((parent, version), []).append(
            {
                "@type": "references",
                "parentComponentId": parent,
                "parentVersion": version,
                "componentId": child,
                "type": "DEPENDENT",
            }
        )
    body: dict[str, object] = {
        "@type": "QueryResult",
        "numberOfResults": len(by_parent),
        "result": [{"@type": "ComponentReference", "references": r} for r in by_parent.values()],
    }
    if token:
        body["queryToken"] = token
    return json_response(200, body)


def pair(parent: str, version: int) -> dict[str, object]:
    return {
        "operator": "and",
        "nestedExpression": [
            {"operator": "EQUALS", "property": "parentComponentId", "argument": [parent]},
            {"operator": "EQUALS", "property": "parentVersion", "argument": [str(version)]},
        ],
    }


async def test_what_components_use_is_one_query_of_parent_and_version_pairs_over_pages() -> None:
    boomi = ScriptedBoomi(
        references_page([("process", 7, "map"), ("process", 7, "profile")], "tok-2"),
        references_page([("map", 3, "profile"), ("ghost", 1, "stray")]),
    )
    async with make_client(boomi) as client:
        children = await client.query_child_references(
            {"process": 7, "map": 3, "profile": 2}, override_account=DEV
        )

    query, more = boomi.requests
    assert (query.method, query.url.path) == (
        "POST",
        f"/partner/api/rest/v1/{PRIMARY}/ComponentReference/query",
    )
    assert boomi.body_json(0) == {
        "QueryFilter": {
            "expression": {
                "operator": "or",
                "nestedExpression": [pair("process", 7), pair("map", 3), pair("profile", 2)],
            }
        }
    }
    assert more.url.path.endswith("/ComponentReference/queryMore")
    assert (more.content, more.headers["Content-Type"]) == (b"tok-2", "text/plain")
    assert more.url.params["overrideAccount"] == DEV
    assert {parent: [r.component_id for r in refs] for parent, refs in children.items()} == {
        "process": ["map", "profile"],
        "map": ["profile"],
        "profile": [],
    }, "every parent answered, one that uses nothing with an empty list, strays ignored"


async def test_reference_queries_name_at_most_fifty_parents_each() -> None:
    parents = {f"c{n:03}": 1 for n in range(120)}
    boomi = ScriptedBoomi(references_page([]))
    async with make_client(boomi) as client:
        children = await client.query_child_references(parents)

    groups = [boomi.body_json(i)["QueryFilter"]["expression"] for i in range(len(boomi.requests))]
    assert [len(group["nestedExpression"]) for group in groups] == [50, 50, 20]
    named = [
        pair_["nestedExpression"][0]["argument"][0]
        for g in groups
        for pair_ in g["nestedExpression"]
    ]
    assert sorted(named) == sorted(parents)
    assert children == {parent: [] for parent in parents}
    single = ScriptedBoomi(references_page([]))
    async with make_client(single) as client:
        await client.query_child_references({"only": 5})
    assert single.body_json(0) == {"QueryFilter": {"expression": pair("only", 5)}}


async def test_where_used_reads_by_the_secondary_component_and_400_means_none() -> None:
    parents = {
        "@type": "ComponentReference",
        "references": [
            {"parentComponentId": "process", "parentVersion": 7, "componentId": COMPONENT_ID}
        ],
    }
    boomi = ScriptedBoomi(
        json_response(200, parents),
        boomi_error(400, f"Component {COMPONENT_ID} has no references."),
        boomi_error(404, "Component not found."),
    )
    async with make_client(boomi) as client:
        used_by = await client.get_where_used(COMPONENT_ID)
        lone = await client.get_where_used(COMPONENT_ID)
        with pytest.raises(BoomiNotFoundError):
            await client.get_where_used(COMPONENT_ID)

    assert boomi.requests[0].url.path.endswith(f"/ComponentReference/{COMPONENT_ID}")
    assert [(r.parent_component_id, r.parent_version) for r in used_by] == [("process", 7)]
    assert lone == []
    assert len(boomi.requests) == 3, "a 400 is an answer, not retried"


# ---------------------------------------------------------------- retries


async def test_429_is_retried_after_one_second_then_succeeds() -> None:
    boomi = ScriptedBoomi(
        boomi_error(429, "Too many requests"),
        json_response(200, branch_json(ready=True, stage="NORMAL")),
    )
    sleep = FakeSleep()
    limiter = RecordingLimiter()
    async with make_client(boomi, sleep=sleep, limiter=limiter) as client:
        branch = await client.get_branch(BRANCH_ID)

    assert branch.ready
    assert len(boomi.requests) == 2
    assert sleep.waits == [1.0]
    assert limiter.keys == [PRIMARY, PRIMARY]  # every attempt passes the limiter


async def test_retry_after_header_replaces_the_backoff() -> None:
    boomi = ScriptedBoomi(
        boomi_error(503, "Rate limit exceeded", {"Retry-After": "7"}),
        json_response(200, branch_json(ready=True, stage="NORMAL")),
    )
    sleep = FakeSleep()
    async with make_client(boomi, sleep=sleep) as client:
        await client.get_branch(BRANCH_ID)
    assert sleep.waits == [7.0]


async def test_503_on_every_attempt_gives_unavailable_after_five_retries_with_backoff() -> None:
    boomi = ScriptedBoomi(boomi_error(503, "Service Unavailable"))
    sleep = FakeSleep()
    async with make_client(boomi, sleep=sleep) as client:
        with pytest.raises(BoomiUnavailableError) as caught:
            await client.get_branch(BRANCH_ID)

    assert len(boomi.requests) == 6  # as Boomi's connectors: a 503 is retried five times
    assert sleep.waits == [1.0, 2.0, 4.0, 8.0, 16.0]
    error = caught.value
    assert error.attempts == 6
    assert error.status_code == 503
    assert (error.error_code, error.http_status) == ("BOOMI_UNAVAILABLE", 503)
    assert error.path == f"/Branch/{BRANCH_ID}"
    assert "Service Unavailable" in error.message


async def test_503_retries_back_off_exponentially_with_jitter() -> None:
    # Boomi's rate-limit answer: no Retry-After, so the client's own back-off paces retries.
    boomi = ScriptedBoomi(
        *[boomi_error(503, "The server is too busy")] * 5,
        json_response(200, branch_json(ready=True, stage="NORMAL")),
    )
    sleep = FakeSleep()
    draws = iter([0.0, 0.99, 0.25, 0.75, 0.5])
    async with make_client(boomi, sleep=sleep, jitter=lambda: next(draws)) as client:
        branch = await client.get_branch(BRANCH_ID)

    assert branch.ready
    assert len(boomi.requests) == 6
    # Each wait lies between half and one and a half times 1 s, 2 s, 4 s, 8 s, 16 s.
    assert sleep.waits == pytest.approx([0.5, 2.98, 3.0, 10.0, 16.0])


async def test_callers_throttled_together_do_not_retry_in_the_same_instant() -> None:
    async def first_wait() -> float:
        sleep = FakeSleep()
        boomi = ScriptedBoomi(
            boomi_error(503, "busy"), json_response(200, branch_json(ready=True, stage="NORMAL"))
        )
        async with make_client(boomi, sleep=sleep, jitter=random.random) as client:
            await client.get_branch(BRANCH_ID)
        return sleep.waits[0]

    waits = [await first_wait() for _ in range(20)]
    assert all(0.5 <= wait < 1.5 for wait in waits)
    assert len(set(waits)) > 1


async def test_429_on_every_attempt_gives_rate_limited() -> None:
    boomi = ScriptedBoomi(boomi_error(429, "slow down"))
    async with make_client(boomi, max_retries=2) as client:
        with pytest.raises(BoomiRateLimitedError) as caught:
            await client.get_branch(BRANCH_ID)
    assert len(boomi.requests) == 3
    assert (caught.value.error_code, caught.value.http_status) == ("API_RATE_LIMIT", 503)


async def test_401_is_raised_after_exactly_one_request_and_names_the_token() -> None:
    boomi = ScriptedBoomi(boomi_error(401, "Unauthorized"))
    sleep = FakeSleep()
    async with make_client(boomi, sleep=sleep) as client:
        with pytest.raises(BoomiAuthError) as caught:
            await client.get_account(PRIMARY)

    assert len(boomi.requests) == 1
    assert sleep.waits == []
    assert caught.value.error_code == "AUTH_FAILED"
    assert "token may be expired" in caught.value.message


@pytest.mark.parametrize(
    ("status", "error_class", "error_code", "http_status"),
    [
        (400, BoomiBadRequestError, "BOOMI_BAD_REQUEST", 502),
        (403, BoomiForbiddenError, "BOOMI_FORBIDDEN", 502),
        (404, BoomiNotFoundError, "BOOMI_NOT_FOUND", 404),
        (409, BoomiBadRequestError, "BOOMI_BAD_REQUEST", 502),
    ],
)
async def test_other_4xx_are_not_retried(
    status: int, error_class: type[Exception], error_code: str, http_status: int
) -> None:
    boomi = ScriptedBoomi(boomi_error(status, "componentType does not exist"))
    async with make_client(boomi) as client:
        with pytest.raises(error_class) as caught:
            await client.create_packaged_component(COMPONENT_ID, package_version="1.0")

    assert len(boomi.requests) == 1
    error = caught.value
    assert isinstance(error, BoomiBadRequestError | BoomiForbiddenError | BoomiNotFoundError)
    assert (error.error_code, error.http_status, error.status_code) == (
        error_code,
        http_status,
        status,
    )
    assert error.boomi_message == "componentType does not exist"


async def test_timeouts_are_retried_then_raised_as_timeout_error() -> None:
    boomi = ScriptedBoomi(httpx.ReadTimeout)
    sleep = FakeSleep()
    async with make_client(boomi, sleep=sleep) as client:
        with pytest.raises(BoomiTimeoutError) as caught:
            await client.get_folder(FOLDER_ID)

    assert len(boomi.requests) == 6
    assert sleep.waits == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert isinstance(caught.value, BoomiTransportError)
    assert (caught.value.error_code, caught.value.http_status) == ("BOOMI_UNAVAILABLE", 504)
    assert caught.value.status_code is None


def metadata_result(*rows: dict[str, object]) -> dict[str, object]:
    return {"@type": "QueryResult", "numberOfResults": len(rows), "result": list(rows)}


WRITTEN_ON_BRANCH = {
    "@type": "ComponentMetadata",
    "componentId": COMPONENT_ID,
    "version": 1,
    "name": "Orders - Sync to ERP",
    "type": "process",
    "folderId": FOLDER_ID,
    "branchId": BRANCH_ID,
    "branchName": "promo-42",
    "currentVersion": True,
    "deleted": False,
}


def calls(boomi: ScriptedBoomi) -> list[str]:
    return [
        f"{r.method} {r.url.path.removeprefix(f'/partner/api/rest/v1/{PRIMARY}/')}"
        for r in boomi.requests
    ]


@pytest.mark.parametrize(
    "lost",
    [httpx.ReadTimeout, httpx.RemoteProtocolError, boomi_error(503, "busy"), boomi_error(504, "")],
    ids=["read-timeout", "connection-dropped", "503", "504"],
)
async def test_a_create_whose_answer_was_lost_is_found_by_its_natural_key_not_made_twice(
    lost: Answer,
) -> None:
    boomi = ScriptedBoomi(
        lost,
        json_response(200, metadata_result(WRITTEN_ON_BRANCH)),
        xml_response(200, PROCESS_XML),
    )
    sleep = FakeSleep()
    async with make_client(boomi, sleep=sleep) as client:
        created = await client.create_component(
            PROCESS_XML, branch_id=BRANCH_ID, folder_id=FOLDER_ID
        )

    assert created.component_id == COMPONENT_ID
    assert calls(boomi) == [
        "POST Component",
        "POST ComponentMetadata/query",
        f"GET Component/{COMPONENT_ID}~{BRANCH_ID}",
    ]
    # Name and folder on the branch: what identifies a component before Boomi names it.
    conditions = boomi.body_json(1)["QueryFilter"]["expression"]["nestedExpression"]
    assert {(c["property"], c["argument"][0]) for c in conditions} == {
        ("name", "Orders - Sync to ERP"),
        ("currentVersion", "true"),
        ("deleted", "false"),
        ("folderId", FOLDER_ID),
        ("branchId", BRANCH_ID),
    }
    assert sleep.waits == [1.0], "the back-off is waited before looking"


async def test_a_lost_create_is_not_taken_for_a_same_named_sibling_the_caller_already_has() -> None:
    sibling = {**WRITTEN_ON_BRANCH, "componentId": "sibling-written-first"}
    boomi = ScriptedBoomi(
        boomi_error(503, "busy"),
        json_response(200, metadata_result(sibling, WRITTEN_ON_BRANCH)),
        xml_response(200, PROCESS_XML),
    )
    async with make_client(boomi) as client:
        created = await client.create_component(
            PROCESS_XML,
            branch_id=BRANCH_ID,
            folder_id=FOLDER_ID,
            not_ids={"sibling-written-first"},
        )

    assert created.component_id == COMPONENT_ID
    assert calls(boomi)[-1] == f"GET Component/{COMPONENT_ID}~{BRANCH_ID}"


async def test_a_lost_create_fails_when_its_lookup_finds_two_it_cannot_tell_apart() -> None:
    # Taking either could map this component onto another's; sending again could make a third.
    twin = {**WRITTEN_ON_BRANCH, "componentId": "made-by-someone-else"}
    boomi = ScriptedBoomi(
        boomi_error(503, "busy"), json_response(200, metadata_result(twin, WRITTEN_ON_BRANCH))
    )
    async with make_client(boomi) as client:
        with pytest.raises(BoomiUnavailableError) as caught:
            await client.create_component(PROCESS_XML, branch_id=BRANCH_ID, folder_id=FOLDER_ID)

    assert calls(boomi) == ["POST Component", "POST ComponentMetadata/query"]
    assert caught.value.status_code == 503


async def test_a_create_that_did_not_happen_is_sent_again_after_the_lookup() -> None:
    elsewhere = {**WRITTEN_ON_BRANCH, "folderId": "RjoxMTE"}  # same name, another folder
    boomi = ScriptedBoomi(
        boomi_error(502, "Bad Gateway"),
        json_response(200, metadata_result(elsewhere)),
        xml_response(200, PROCESS_XML),
    )
    async with make_client(boomi) as client:
        created = await client.create_component(
            PROCESS_XML, branch_id=BRANCH_ID, folder_id=FOLDER_ID
        )

    assert created.component_id == COMPONENT_ID
    assert calls(boomi) == ["POST Component", "POST ComponentMetadata/query", "POST Component"]


async def test_a_create_is_resent_at_once_when_boomi_cannot_have_acted() -> None:
    # A refused connection never reached Boomi; a 429 was refused before any work.
    boomi = ScriptedBoomi(
        httpx.ConnectError, boomi_error(429, "slow down"), xml_response(200, PROCESS_XML)
    )
    async with make_client(boomi) as client:
        created = await client.create_component(PROCESS_XML, branch_id=BRANCH_ID)

    assert created.component_id == COMPONENT_ID
    assert calls(boomi) == ["POST Component"] * 3


async def test_a_create_failing_every_time_is_looked_up_before_each_resend_and_at_the_end() -> None:
    boomi = ScriptedBoomi(*[boomi_error(503, "busy"), json_response(200, metadata_result())] * 3)
    sleep = FakeSleep()
    async with make_client(boomi, max_retries=2, sleep=sleep) as client:
        with pytest.raises(BoomiUnavailableError) as caught:
            await client.create_component(PROCESS_XML, branch_id=BRANCH_ID)

    assert calls(boomi) == [
        "POST Component",
        "POST ComponentMetadata/query",
        "POST Component",
        "POST ComponentMetadata/query",
        "POST Component",
        "POST ComponentMetadata/query",  # the last attempt may have landed too
    ]
    assert caught.value.attempts == 3
    assert caught.value.status_code == 503
    assert sleep.waits == [1.0, 2.0, 1.0], "a short wait before the last look"


async def test_a_create_whose_last_attempt_landed_is_found_instead_of_failing() -> None:
    boomi = ScriptedBoomi(
        boomi_error(503, "busy"),
        json_response(200, metadata_result(WRITTEN_ON_BRANCH)),
        xml_response(200, PROCESS_XML),
    )
    async with make_client(boomi, max_retries=0) as client:
        created = await client.create_component(
            PROCESS_XML, branch_id=BRANCH_ID, folder_id=FOLDER_ID
        )
    assert created.component_id == COMPONENT_ID
    assert calls(boomi)[0] == "POST Component"


async def test_connection_failures_become_transport_errors() -> None:
    boomi = ScriptedBoomi(httpx.ConnectError)
    async with make_client(boomi, max_retries=1) as client:
        with pytest.raises(BoomiTransportError) as caught:
            await client.get_branch(BRANCH_ID)
    assert not isinstance(caught.value, BoomiTimeoutError)
    assert caught.value.attempts == 2
    assert caught.value.http_status == 503


async def test_error_messages_never_contain_the_token_or_the_authorization_header() -> None:
    def echo_credentials(request: httpx.Request) -> httpx.Response:
        leaked = f"bad credentials {request.headers['Authorization']} / {API_TOKEN}"
        return boomi_error(400, leaked)

    boomi = ScriptedBoomi(echo_credentials)
    async with make_client(boomi) as client:
        with pytest.raises(BoomiBadRequestError) as caught:
            await client.get_branch(BRANCH_ID)

    authorization = boomi.requests[0].headers["Authorization"]
    credentials = authorization.removeprefix("Basic ")
    for text in (caught.value.message, str(caught.value), caught.value.boomi_message or ""):
        assert API_TOKEN not in text
        assert credentials not in text
    assert "***" in caught.value.message


async def test_unparseable_success_bodies_are_bad_responses() -> None:
    boomi = ScriptedBoomi(
        httpx.Response(200, content=b"<html>proxy login</html>"),
        json_response(200, {"@type": "Branch", "name": "no id"}),
        xml_response(200, b"<bns:Folder xmlns:bns='http://api.platform.boomi.com/'/>"),
    )
    async with make_client(boomi) as client:
        with pytest.raises(BoomiResponseError, match="not JSON"):
            await client.get_branch(BRANCH_ID)
        with pytest.raises(BoomiResponseError, match="unexpected Branch") as caught:
            await client.get_branch(BRANCH_ID)
        with pytest.raises(BoomiResponseError, match="not a Component"):
            await client.get_component(COMPONENT_ID)
    assert (caught.value.error_code, caught.value.http_status) == ("BOOMI_BAD_RESPONSE", 502)


# ---------------------------------------------------------------- branches and merges


async def test_delete_branch_counts_404_as_already_deleted() -> None:
    boomi = ScriptedBoomi(json_response(200, True), boomi_error(404, "Branch not found"))
    async with make_client(boomi) as client:
        assert await client.delete_branch(BRANCH_ID) is True
        assert await client.delete_branch(BRANCH_ID) is False
    assert [request.method for request in boomi.requests] == ["DELETE", "DELETE"]
    assert len(boomi.requests) == 2  # the 404 is not retried


async def test_deleting_a_branch_boomi_is_already_deleting_is_not_an_error() -> None:
    # Should Boomi refuse a second delete while it deletes, the branch is read to tell.
    boomi = ScriptedBoomi(
        boomi_error(400, "Branch is being deleted"),
        json_response(200, branch_json(ready=False, stage="DELETING")),
    )
    async with make_client(boomi) as client:
        assert await client.delete_branch(BRANCH_ID) is False
    assert [request.method for request in boomi.requests] == ["DELETE", "GET"]


async def test_a_refused_delete_of_a_branch_in_use_is_still_an_error() -> None:
    boomi = ScriptedBoomi(
        boomi_error(400, "The branch has an open merge request"),
        json_response(200, branch_json(ready=True, stage="NORMAL")),
    )
    async with make_client(boomi) as client:
        with pytest.raises(BoomiBadRequestError, match="open merge request"):
            await client.delete_branch(BRANCH_ID)


async def test_waiting_for_a_branch_that_is_being_deleted_stops_at_once() -> None:
    boomi = ScriptedBoomi(json_response(200, branch_json(ready=False, stage="DELETING")))
    sleep = FakeSleep()
    async with make_client(boomi, sleep=sleep) as client:
        with pytest.raises(BranchNotReadyError, match="being deleted") as caught:
            await client.wait_for_branch_ready(BRANCH_ID, timeout_seconds=60)

    assert (len(boomi.requests), sleep.waits) == (1, [])
    assert caught.value.stage == "DELETING"


async def test_send_once_answers_any_status_without_retrying_or_the_limiter() -> None:
    boomi = ScriptedBoomi(
        boomi_error(503, f"Too many requests for {API_TOKEN}"),
        json_response(200, {"ok": True}),
    )
    limiter = RecordingLimiter()
    async with make_client(boomi, limiter=limiter) as client:
        throttled = await client.send_once("GET", "Account/x", limited=False)
        fine = await client.send_once("POST", "Component/bulk", body=b"{}", content_type=JSON)

    assert (throttled.status, fine.status) == (503, 200)
    assert throttled.problem is not None and API_TOKEN not in throttled.problem
    assert fine.problem is None and fine.body == b'{"ok":true}'
    assert len(boomi.requests) == 2, "the 503 is not retried"
    assert limiter.keys == [PRIMARY], "only the limited call waited for the limiter"


async def test_send_once_reports_no_answer_as_no_status() -> None:
    boomi = ScriptedBoomi(httpx.ConnectError)
    async with make_client(boomi) as client:
        answer = await client.send_once("GET", "Account/x")
    assert (answer.status, answer.body) == (None, b"")
    assert answer.problem


async def test_create_branch_then_wait_until_ready() -> None:
    boomi = ScriptedBoomi(
        json_response(200, branch_json(ready=False, stage="CREATING")),
        json_response(200, branch_json(ready=False, stage="CREATING")),
        json_response(200, branch_json(ready=False, stage="CREATING")),
        json_response(200, branch_json(ready=True, stage="NORMAL")),
    )
    clock = FakeClock()
    sleep = FakeSleep(clock)
    async with make_client(boomi, sleep=sleep, clock=clock) as client:
        created = await client.create_branch("promo-42", parent_id="Qjox", package_id="pkg-9")
        ready = await client.wait_for_branch_ready(
            created.id, timeout_seconds=10, interval_seconds=2
        )

    assert boomi.body_json(0) == {"name": "promo-42", "parentId": "Qjox", "packageId": "pkg-9"}
    assert created.stage == "CREATING"
    assert ready.stage == "NORMAL"
    assert sleep.waits == [2, 2]


async def test_wait_for_branch_ready_gives_up_after_the_timeout() -> None:
    boomi = ScriptedBoomi(json_response(200, branch_json(ready=False, stage="CREATING")))
    clock = FakeClock()
    sleep = FakeSleep(clock)
    async with make_client(boomi, sleep=sleep, clock=clock) as client:
        with pytest.raises(BranchNotReadyError) as caught:
            await client.wait_for_branch_ready(BRANCH_ID, timeout_seconds=5, interval_seconds=2)

    assert sleep.waits == [2, 2, 1]  # never sleeps past the deadline
    assert len(boomi.requests) == 4
    assert caught.value.error_code == "BRANCH_CREATION_TIMEOUT"
    assert caught.value.stage == "CREATING"


async def test_find_branch_by_name_queries_by_name() -> None:
    result = {
        "@type": "QueryResult",
        "numberOfResults": 2,
        "result": [
            {"@type": "Branch", "id": "Qjoy", "name": "main-old", "ready": True},
            {"@type": "Branch", "id": "Qjox", "name": "main", "ready": True},
        ],
    }
    empty = {"@type": "QueryResult", "numberOfResults": 0}
    boomi = ScriptedBoomi(json_response(200, result), json_response(200, empty))
    async with make_client(boomi) as client:
        main = await client.find_branch_by_name("main")
        missing = await client.find_branch_by_name("promo-404")

    assert main is not None
    assert main.id == "Qjox"
    assert missing is None
    assert boomi.body_json(0) == {
        "QueryFilter": {
            "expression": {"operator": "EQUALS", "property": "name", "argument": ["main"]}
        }
    }


async def test_merge_request_create_and_execute_use_the_openapi_shapes() -> None:
    merge = {
        "@type": "MergeRequest",
        "id": "mr-1",
        "sourceBranchId": BRANCH_ID,
        "destinationBranchId": "Qjox",
        "strategy": "OVERRIDE",
        "priorityBranch": "SOURCE",
        "stage": "MERGING",
        "MergeRequestDetails": {
            "MergeRequestDetail": [
                {"componentGuid": COMPONENT_ID, "changeType": "MODIFIED", "sourceRevision": 3}
            ]
        },
    }
    boomi = ScriptedBoomi(
        json_response(200, {**merge, "stage": "DRAFTING"}), json_response(200, merge)
    )
    async with make_client(boomi) as client:
        created = await client.create_merge_request(BRANCH_ID, "Qjox", note="promotion 42")
        executed = await client.execute_merge_request(created.id)

    assert boomi.body_json(0) == {
        "sourceBranchId": BRANCH_ID,
        "destinationBranchId": "Qjox",
        "strategy": "OVERRIDE",
        "priorityBranch": "SOURCE",
        "MergeRequestDetails": {},
        "note": "promotion 42",
    }
    assert boomi.requests[1].url.path.endswith("/MergeRequest/execute/mr-1")
    assert boomi.body_json(1) == {
        "id": "mr-1",
        "mergeRequestAction": "MERGE",
        "MergeRequestDetails": {},
    }
    assert created.stage == MergeStage.DRAFTING
    assert executed.details[0].component_guid == COMPONENT_ID
    assert executed.details[0].source_revision == 3


async def test_create_packaged_component_sends_what_boomis_schema_requires() -> None:
    boomi = ScriptedBoomi(
        json_response(
            200,
            {
                "@type": "PackagedComponent",
                "packageId": "pkg-1",
                "packageVersion": "2.1.0",
                "componentId": COMPONENT_ID,
                "componentVersion": "8.0",
                "shareable": True,
            },
        )
    )
    async with make_client(boomi) as client:
        package = await client.create_packaged_component(
            COMPONENT_ID,
            package_version="2.1.0",
            branch_name="promo-42",
            shareable=True,
            component_type="process",
        )
    assert boomi.body_json(0) == {
        "componentId": COMPONENT_ID,
        "componentType": "process",
        "packageVersion": "2.1.0",
        "branchName": "promo-42",
        "notes": "",
        "shareable": True,
    }
    assert package.component_version == 8


async def test_create_packaged_component_learns_the_type_and_defaults_to_main() -> None:
    metadata = {"@type": "ComponentMetadata", "componentId": COMPONENT_ID, "type": "process"}
    package = {"@type": "PackagedComponent", "packageId": "pkg-2", "componentId": COMPONENT_ID}
    boomi = ScriptedBoomi(json_response(200, metadata), json_response(200, package))
    async with make_client(boomi) as client:
        await client.create_packaged_component(COMPONENT_ID, notes="first")

    assert boomi.requests[0].url.path.endswith(f"/ComponentMetadata/{COMPONENT_ID}")
    # No packageVersion: Boomi numbers the package from the component's revision.
    assert boomi.body_json(1) == {
        "componentId": COMPONENT_ID,
        "componentType": "process",
        "branchName": "main",
        "notes": "first",
    }


async def test_folders_and_accounts() -> None:
    boomi = ScriptedBoomi(
        json_response(
            200, {"@type": "Folder", "id": "Rjo5", "name": "Orders", "fullPath": "Promoted/Orders"}
        ),
        json_response(
            200,
            {
                "@type": "QueryResult",
                "numberOfResults": 1,
                "result": [
                    {"@type": "Account", "accountId": DEV, "name": "Dev A", "status": "active"}
                ],
            },
        ),
    )
    async with make_client(boomi) as client:
        folder = await client.create_folder("Orders", "Rjo1")
        accounts = [
            a async for a in client.query_accounts(QueryFilter.where("status", "EQUALS", "active"))
        ]

    assert boomi.body_json(0) == {"name": "Orders", "parentId": "Rjo1"}
    assert folder.full_path == "Promoted/Orders"
    assert [(a.account_id, a.status) for a in accounts] == [(DEV, "active")]


# ---------------------------------------------------------------- hooks and wiring


async def test_on_call_reports_every_attempt_with_a_path_template() -> None:
    calls: list[BoomiCall] = []
    boomi = ScriptedBoomi(boomi_error(503, "busy"), xml_response(200, PROCESS_XML))
    async with make_client(boomi, on_call=calls.append) as client:
        await client.get_component(COMPONENT_ID, version=7, override_account=DEV)

    assert [(c.method, c.path_template, c.status, c.attempt, c.will_retry) for c in calls] == [
        ("GET", "Component/{id}~{revision}", 503, 1, True),
        ("GET", "Component/{id}~{revision}", 200, 2, False),
    ]
    assert {c.account_id for c in calls} == {DEV}


async def test_from_settings_uses_the_configured_account_token_and_rate() -> None:
    settings = BoomiSettings(
        base_url="https://boomi.test",
        primary_account_id=PRIMARY,
        username=USERNAME,
        api_token=SecretStr(API_TOKEN),
        requests_per_second=5,
    )
    calls: list[BoomiCall] = []
    boomi = ScriptedBoomi(json_response(200, branch_json(ready=True, stage="NORMAL")))
    client = BoomiClient.from_settings(
        settings, transport=httpx.MockTransport(boomi), on_call=calls.append
    )
    async with client:
        for _ in range(2):
            await client.get_branch(BRANCH_ID)

    assert str(boomi.requests[0].url) == f"{ROOT}/Branch/{BRANCH_ID}"
    expected = base64.b64encode(f"BOOMI_TOKEN.{USERNAME}:{API_TOKEN}".encode()).decode()
    assert boomi.requests[0].headers["Authorization"] == f"Basic {expected}"
    # 5 requests/second: the default limiter holds back-to-back calls 220 ms apart (10 % guard)
    assert calls[0].limiter_wait_seconds == 0
    assert 0.1 < calls[1].limiter_wait_seconds <= 0.22


async def test_calls_and_retries_are_logged_without_credentials() -> None:
    boomi = ScriptedBoomi(
        boomi_error(429, "slow down"), json_response(200, branch_json(ready=True, stage="NORMAL"))
    )
    with structlog.testing.capture_logs() as logs:
        async with make_client(boomi) as client:
            await client.get_branch(BRANCH_ID, override_account=DEV)

    assert [(entry["event"], entry.get("status")) for entry in logs] == [
        ("boomi.call", 429),
        ("boomi.retry", 429),
        ("boomi.call", 200),
    ]
    assert logs[2]["path"] == f"Branch/{BRANCH_ID}"
    assert logs[2]["account"] == DEV
    assert logs[2]["attempt"] == 2
    credentials = boomi.requests[0].headers["Authorization"].removeprefix("Basic ")
    assert API_TOKEN not in repr(logs)
    assert credentials not in repr(logs)
