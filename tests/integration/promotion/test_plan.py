"""C2 planPromotion over HTTP, against the emulator: the plan says what executePromotion then does,
and planning writes nothing anywhere."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import inspect, select

from boomi_promo.emulator.control import LoggedRequest
from boomi_promo.store import create_engine
from boomi_promo.store.tables import Base
from tests.integration.promotion.support import (
    ALICE,
    DAVE,
    describe_again,
    dev_id_named,
    folder_of,
    live_branch_ids,
    primary_revisions,
    promote,
    team_a,
    writes_to_boomi,
)
from tests.support.service import DemoService

CALL_ESTIMATE_TOLERANCE = 0.10
"""The estimate counts each wait on Boomi as one poll; a real run polls a few times more."""
POLL = re.compile(r"/(Branch|MergeRequest)/[^/]+$")
"""What a wait on Boomi reads again and again: a new branch, a merge request."""
BOOKKEEPING_TABLES = frozenset({"boomi_rate_limits"})
"""The shared rate limiter's own rows: every Boomi call moves them, reads included."""


async def planned(service: DemoService, package_id: str, email: str = ALICE) -> dict[str, Any]:
    response = await plan(service, package_id, email)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True
    return body


async def plan(service: DemoService, package_id: str, email: str = ALICE) -> httpx.Response:
    body = {"devAccountId": team_a(service), "devPackageId": package_id}
    return await service.call(email, "planPromotion", body)


async def promoted(service: DemoService, package_id: str) -> dict[str, Any]:
    response = await promote(service, package_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def calls_but_polls(calls: list[LoggedRequest]) -> int:
    """The calls of a run less its polls (their number depends on how long Boomi takes)."""
    return sum(1 for e in calls if not (e.method == "GET" and POLL.search(e.path)))


async def store_rows(service: DemoService) -> dict[str, list[str]]:
    """Every row of every product table, as text."""
    engine = create_engine(service.settings.resolved_database_url())
    try:
        async with engine.connect() as connection:
            present = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
            return {
                table.name: sorted(
                    repr(tuple(row)) for row in await connection.execute(select(table))
                )
                for table in Base.metadata.sorted_tables
                if table.name in present and table.name not in BOOKKEEPING_TABLES
            }
    finally:
        await engine.dispose()


async def test_the_plan_of_a_new_tree_is_what_the_promotion_then_does(
    demo_service: DemoService,
) -> None:
    package_id = demo_service.seed.full_tree_package_id
    the_plan = await planned(demo_service, package_id)
    state = demo_service.emulator.state
    state.request_log.clear()

    body = await promoted(demo_service, package_id)

    run_calls = state.request_log.entries()
    assert the_plan["wouldPromote"] is True
    assert the_plan["findings"] == []
    assert the_plan["rootComponentName"] == "Orders Sync"
    results = {r["devComponentId"]: r for r in body["promotionResults"]}
    components = {c["devComponentId"]: c for c in the_plan["components"]}
    assert list(components) == list(results), "every component, in the order it is written"
    assert (the_plan["toCreate"], the_plan["toUpdate"]) == (len(results), 0)
    for dev_id, component in components.items():
        result = results[dev_id]
        assert (component["action"], result["action"]) == ("CREATE", "CREATED")
        assert component["resultingVersion"] == result["version"] == 1
        assert component["componentName"] == result["componentName"]
        placed = folder_of(demo_service, result["prodComponentId"], body["branchId"])
        assert component["folderFullPath"] == placed
    assert len(the_plan["foldersToCreate"]) == state.request_log.count("POST", r"/Folder$")
    assert "Primary Account/Promoted/DevTeamA/Orders/Profiles" in the_plan["foldersToCreate"]
    shared = {
        m.dev_component_id: m.prod_component_id for m in demo_service.seed.connection_mappings
    }
    for connection in the_plan["connections"]:
        assert connection["mapped"] is True
        assert connection["prodComponentId"] == shared[connection["devComponentId"]]
    assert len(the_plan["connections"]) == body["connectionsSkipped"] == 4
    root = next(c for c in the_plan["components"] if c["componentName"] == "Orders Sync")
    targets = {r["componentName"]: r["target"] for r in root["references"]}
    assert targets["Get Orders"] == "CREATED"
    assert sum(1 for target in targets.values() if target == "CONNECTION") == 4
    assert the_plan["branch"]["withinLimit"] is True
    assert the_plan["branch"]["fromPackageId"] == ""

    estimate = the_plan["boomiCalls"]
    assert calls_but_polls(run_calls) == estimate["estimatedCalls"] - estimate["waits"]
    assert abs(len(run_calls) - estimate["estimatedCalls"]) <= (
        CALL_ESTIMATE_TOLERANCE * len(run_calls)
    )
    assert sum(step["calls"] for step in estimate["steps"]) == estimate["estimatedCalls"]


async def test_planning_writes_nothing_and_gives_the_versions_the_updates_then_make(
    promo_service: DemoService,
) -> None:
    prior = promo_service.seed.prior_promotion
    revisions, branches = primary_revisions(promo_service), live_branch_ids(promo_service)
    rows = await store_rows(promo_service)
    promo_service.emulator.state.request_log.clear()

    the_plan = await planned(promo_service, prior.dev_package_id)

    assert writes_to_boomi(promo_service) == []
    assert {e.method for e in promo_service.emulator.state.request_log.entries()} <= {
        "GET",
        "POST",
    }
    assert primary_revisions(promo_service) == revisions
    assert live_branch_ids(promo_service) == branches
    assert await store_rows(promo_service) == rows
    assert the_plan["wouldPromote"] is True
    assert the_plan["foldersToCreate"] == [], "Promoted/DevTeamA/Customers exists already"
    components = {c["devComponentId"]: c for c in the_plan["components"]}
    expected = {c.dev_component_id: c.prod_component_id for c in prior.components}
    assert {dev: c["prodComponentId"] for dev, c in components.items()} == expected
    assert {c["action"] for c in components.values()} == {"UPDATE"}

    body = await promoted(promo_service, prior.dev_package_id)

    for result in body["promotionResults"]:
        component = components[result["devComponentId"]]
        assert result["action"] == "UPDATED"
        assert component["currentProdVersion"] + 1 == component["resultingVersion"]
        assert component["resultingVersion"] == result["version"]
        placed = folder_of(promo_service, result["prodComponentId"], body["branchId"])
        assert component["folderFullPath"] == placed


async def test_after_a_test_deployment_the_plan_merges_the_packages_the_promotion_then_merges(
    demo_service: DemoService,
) -> None:
    package_id = demo_service.seed.full_tree_package_id
    first = await promoted(demo_service, package_id)
    deployed = await demo_service.call(
        ALICE, "packageAndDeploy", {"promotionId": first["promotionId"]}
    )
    assert deployed.status_code == 200, deployed.text
    for target in ("Orders - Standard Route", "Orders - Rush Route"):
        await describe_again(demo_service, dev_id_named(demo_service, target))
    the_plan = await planned(demo_service, package_id)
    state = demo_service.emulator.state
    state.request_log.clear()

    body = await promoted(demo_service, package_id)

    assert the_plan["wouldPromote"] is True
    branch = the_plan["branch"]
    assert branch["fromPackageId"] != ""
    assert len(branch["mergedPackageIds"]) == 2, "the packages of the two route targets"
    assert branch["branchesNeeded"] == 2
    # The branch starts from the test packages: which updates are UNCHANGED is found there.
    assert the_plan["deltaOnBranch"] is True
    components = {c["devComponentId"]: c for c in the_plan["components"]}
    unchanged = 0
    for result in body["promotionResults"]:
        component = components[result["devComponentId"]]
        assert component["action"] == "UPDATE"
        assert component["prodComponentId"] == result["prodComponentId"]
        if result["action"] == "UNCHANGED":
            unchanged += 1
            continue
        assert result["action"] == "UPDATED"
        assert component["resultingVersion"] == result["version"], component["componentName"]
    assert {r["componentName"] for r in body["promotionResults"] if r["action"] == "UPDATED"} == {
        "Orders - Standard Route",
        "Orders - Rush Route",
    }
    merged = {c["componentName"] for c in components.values() if c["mergedFromPackageId"]}
    assert {"Orders - Standard Route", "Orders - Rush Route"} <= merged
    estimate = the_plan["boomiCalls"]
    assert calls_but_polls(state.request_log.entries()) == (
        estimate["estimatedCalls"] - estimate["waits"] - unchanged
    ), "every call the plan counts, but the writes of what the branch had already"


async def test_an_unmapped_connection_is_a_finding_worded_as_the_promotion_refuses_it(
    demo_service: DemoService,
) -> None:
    seed = demo_service.seed

    the_plan = await planned(demo_service, seed.unmapped_connection_package_id)
    refused = await promote(demo_service, seed.unmapped_connection_package_id)

    assert the_plan["rootComponentName"] == "Invoice Export"
    assert the_plan["wouldPromote"] is False
    [finding] = the_plan["findings"]
    assert refused.status_code == 409
    assert finding["code"] == refused.json()["errorCode"] == "MISSING_CONNECTION_MAPPINGS"
    assert finding["message"] == refused.json()["errorMessage"]
    assert finding["componentIds"] == [seed.unmapped_connection_id]
    [missing] = the_plan["missingConnectionMappings"]
    assert missing["devComponentId"] == seed.unmapped_connection_id
    assert missing["name"] == "Legacy FTP"
    unmapped = [c for c in the_plan["connections"] if not c["mapped"]]
    assert [c["componentName"] for c in unmapped] == ["Legacy FTP"]
    references = [r for c in the_plan["components"] for r in c["references"]]
    assert {
        r["target"] for r in references if r["devComponentId"] == missing["devComponentId"]
    } == {"UNMAPPED_CONNECTION"}


async def test_environment_values_are_listed_by_kind_and_path_never_by_value(
    demo_service: DemoService,
) -> None:
    seed = demo_service.seed
    response = await plan(demo_service, seed.full_tree_package_id)
    tree = await demo_service.call(
        ALICE,
        "resolveDependencies",
        {"devAccountId": team_a(demo_service), "rootComponentId": seed.full_tree_process_id},
    )

    assert response.status_code == 200, response.text
    assert [secret for secret in seed.secret_values if secret in response.text] == []
    components = response.json()["components"]
    with_values = {c["componentName"] for c in components if c["environmentValues"]}
    flagged = {
        item["componentName"]
        for item in tree.json()["dependencies"]
        if item["hasEnvironmentValues"] and not item["isConnection"]
    }
    assert with_values == flagged
    assert with_values, "the demo tree has components with environment values"
    for component in components:
        for value in component["environmentValues"]:
            assert set(value) == {"kind", "path"}
            assert value["path"].startswith(("/", "processOverrides:/"))


async def test_the_branch_limit_is_a_finding_worded_as_the_promotion_refuses_it(
    demo_service: DemoService,
) -> None:
    limit = demo_service.settings.boomi.branch_soft_limit
    with demo_service.emulator.client() as boomi:
        while len(live_branch_ids(demo_service)) < limit:
            created = boomi.post(
                "/Branch", json={"name": f"busy-{len(live_branch_ids(demo_service))}"}
            )
            created.raise_for_status()

    the_plan = await planned(demo_service, demo_service.seed.full_tree_package_id)
    refused = await promote(demo_service, demo_service.seed.full_tree_package_id)

    assert the_plan["wouldPromote"] is False
    assert the_plan["branch"]["withinLimit"] is False
    assert the_plan["branch"]["branchCount"] == limit
    [finding] = the_plan["findings"]
    assert finding["code"] == refused.json()["errorCode"] == "BRANCH_LIMIT_REACHED"
    assert finding["message"] == refused.json()["errorMessage"]


async def test_planning_needs_access_to_the_dev_account(demo_service: DemoService) -> None:
    response = await plan(demo_service, demo_service.seed.full_tree_package_id, email=DAVE)

    assert response.status_code == 403
    assert response.json()["errorField"] == "devAccountId"
