"""B resolveDependencies over HTTP: the tree a contributor reviews before promoting."""

from __future__ import annotations

from typing import Any

from tests.integration.promotion.support import ALICE, DAVE, team_a
from tests.support.service import DemoService

PROMOTABLE_TYPES = {
    "process",
    "processroute",
    "transform.map",
    "script.mapping",
    "script.processing",
    "profile.json",
    "profile.xml",
    "profile.flatfile",
    "profile.edi",
    "profile.db",
    "crossref",
    "connector-action",
    "connector-settings",
}


async def resolve(service: DemoService, root_id: str, email: str = ALICE) -> dict[str, Any]:
    response = await service.call(
        email,
        "resolveDependencies",
        {"devAccountId": team_a(service), "rootComponentId": root_id},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["componentName"]: item for item in body["dependencies"]}


async def test_full_tree_lists_every_type_once_with_depths(promo_service: DemoService) -> None:
    body = await resolve(promo_service, promo_service.seed.full_tree_process_id)

    items = body["dependencies"]
    ids = [item["componentId"] for item in items]
    assert len(ids) == len(set(ids)), "each component appears once"
    assert {item["componentType"] for item in items} == PROMOTABLE_TYPES
    named = by_name(body)
    assert named["Orders Sync"]["depth"] == 0
    assert named["Orders Sync"]["dependencyType"] == "ROOT"
    assert named["Get Orders"]["depth"] == 1
    # Reached from the operation (depth 1) and again from the map: the shortest distance wins.
    assert named["Order JSON"]["depth"] == 2
    assert named["Orders - Rush Route"]["dependencyType"] == "INDEPENDENT"
    assert named["Order JSON"]["folderFullPath"] == "Dev Team A/DevTeamA/Orders/Profiles"
    assert body["totalComponents"] == len(items) == 23
    assert body["cycles"] == []


async def test_connections_show_their_mappings(promo_service: DemoService) -> None:
    body = await resolve(promo_service, promo_service.seed.full_tree_process_id)

    connections = [item for item in body["dependencies"] if item["isConnection"]]
    expected = {
        m.component_name: m.prod_component_id
        for m in promo_service.seed.connection_mappings
        if m.dev_account_id == team_a(promo_service)
    }
    assert {c["componentName"]: c["prodComponentId"] for c in connections} == expected
    assert all(c["mappingExists"] and c["action"] == "SKIP" for c in connections)
    assert all(c["hasEnvironmentValues"] for c in connections)
    assert body["connections"] == 4
    assert body["unmappedConnectionCount"] == 0
    assert body["unmappedConnections"] == []
    # Nothing of this tree was promoted before: every other component is new.
    assert body["toCreate"] == 23 - 4
    assert body["toUpdate"] == 0
    assert not by_name(body)["Order JSON"]["hasEnvironmentValues"]


async def test_previously_promoted_process_shows_updates_with_prod_ids(
    promo_service: DemoService,
) -> None:
    prior = promo_service.seed.prior_promotion

    body = await resolve(promo_service, prior.dev_root_component_id)

    promoted = {
        item["componentId"]: item for item in body["dependencies"] if not item["isConnection"]
    }
    expected = {c.dev_component_id: c.prod_component_id for c in prior.components}
    assert {cid: item["prodComponentId"] for cid, item in promoted.items()} == expected
    assert all(item["action"] == "UPDATE" for item in promoted.values())
    assert all(item["prodLatestVersion"] == 1 for item in promoted.values())
    assert body["toUpdate"] == len(prior.components)
    assert body["toCreate"] == 0


async def test_unmapped_connection_is_listed(promo_service: DemoService) -> None:
    package = next(
        p
        for p in promo_service.emulator.state.packages.values()
        if p.package_id == promo_service.seed.unmapped_connection_package_id
    )

    body = await resolve(promo_service, package.component_id)

    assert body["unmappedConnectionCount"] == 1
    assert body["unmappedConnections"] == [
        {
            "devComponentId": promo_service.seed.unmapped_connection_id,
            "name": "Legacy FTP",
            "type": "connector-settings",
            "devAccountId": team_a(promo_service),
        }
    ]
    assert by_name(body)["Orders Database"]["mappingExists"] is True


async def test_unknown_root_is_component_not_found(promo_service: DemoService) -> None:
    response = await promo_service.call(
        ALICE,
        "resolveDependencies",
        {"devAccountId": team_a(promo_service), "rootComponentId": "no-such-component"},
    )

    assert response.status_code == 404
    assert response.json()["errorCode"] == "COMPONENT_NOT_FOUND"


async def test_other_teams_account_is_refused(promo_service: DemoService) -> None:
    response = await promo_service.call(
        DAVE,
        "resolveDependencies",
        {
            "devAccountId": team_a(promo_service),
            "rootComponentId": promo_service.seed.full_tree_process_id,
        },
    )

    assert response.status_code == 403
    assert response.json()["errorCode"] == "UNAUTHORIZED_ACCOUNT_ACCESS"
    assert promo_service.emulator.state.request_log.count(path="/Component") == 0
