"""C executePromotion over HTTP, against the emulator: what lands in the primary account."""

from __future__ import annotations

import asyncio
from typing import Any

from boomi_promo.boomi.models import BNS_NAMESPACE as BNS
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.promotion import WRITE_CONCURRENCY
from tests.integration.emulator.boomi import package_body
from tests.integration.promotion.support import (
    BOB,
    DAVE,
    add_dev_component,
    dev_component_ids,
    folder_of,
    live_branch_ids,
    package_root,
    primary_revisions,
    promote,
    read_on_branch,
    read_on_main,
    revision_xml,
    store_of,
    team_a,
    writes_to_boomi,
)
from tests.support.service import DemoService


async def promoted(service: DemoService, package_id: str) -> dict[str, Any]:
    response = await promote(service, package_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True
    return body


async def test_promoting_the_process_promoted_before_updates_the_same_prod_ids(
    promo_service: DemoService,
) -> None:
    prior = promo_service.seed.prior_promotion
    before = primary_revisions(promo_service)

    body = await promoted(promo_service, prior.dev_package_id)

    results = {r["devComponentId"]: r for r in body["promotionResults"]}
    expected = {c.dev_component_id: c.prod_component_id for c in prior.components}
    assert {dev: r["prodComponentId"] for dev, r in results.items()} == expected
    assert {r["action"] for r in results.values()} == {"UPDATED"}
    assert body["connectionsSkipped"] == 1
    assert body["branchName"] == f"promo-{body['promotionId']}"
    for prod_id in expected.values():
        on_branch = read_on_branch(promo_service, prod_id, body["branchId"])
        assert on_branch.version == 2
        assert read_on_main(promo_service, prod_id).version == 1, "main is untouched"
    created = {cid for cid, _ in primary_revisions(promo_service) - before}
    assert created <= set(expected.values()), "no new component in the primary account"
    async with store_of(promo_service) as uow:
        mappings = await uow.mappings.get_many(team_a(promo_service), expected)
        log = await uow.promotions.get(body["promotionId"])
    assert {dev: m.prod_component_id for dev, m in mappings.items()} == expected
    assert all(m.prod_latest_version == 2 and m.on_main for m in mappings.values())
    assert all(m.last_promotion_id == body["promotionId"] for m in mappings.values())
    assert log is not None
    assert log.status == PromotionStatus.COMPLETED
    assert (log.components_updated, log.components_created) == (len(expected), 0)
    assert log.branch_id == body["branchId"]
    assert log.process_name == "Customer Sync"


async def test_a_new_tree_is_created_in_mirrored_folders_without_secrets_or_dev_ids(
    promo_service: DemoService,
) -> None:
    seed = promo_service.seed
    before = primary_revisions(promo_service)

    body = await promoted(promo_service, seed.full_tree_package_id)

    results = body["promotionResults"]
    assert len(results) == 23 - 4
    assert {r["action"] for r in results} == {"CREATED"}
    assert body["connectionsSkipped"] == 4
    folders = {
        r["componentName"]: folder_of(promo_service, r["prodComponentId"], body["branchId"])
        for r in results
    }
    state = promo_service.emulator.state
    assert folders["Order JSON"] == "Primary Account/Promoted/DevTeamA/Orders/Profiles"
    assert folders["Orders Sync"] == "Primary Account/Promoted/DevTeamA/Orders"
    assert folders["Orders - Rush Route"] == "Primary Account/Promoted/DevTeamA/Orders/Routing"
    assert state.request_log.count("POST", r"/Folder$") > 0, "folders made through the Folder API"

    written = primary_revisions(promo_service) - before
    assert len(written) == len(results)
    dev_ids = dev_component_ids(promo_service)
    for component_id, version in written:
        xml = revision_xml(promo_service, component_id, version)
        leaked = [secret for secret in seed.secret_values if secret in xml]
        assert leaked == [], f"secrets in {component_id}: {leaked}"
        assert [dev_id for dev_id in dev_ids if dev_id in xml] == []

    root = next(r for r in results if r["componentName"] == "Orders Sync")
    root_xml = revision_xml(promo_service, root["prodComponentId"], root["version"])
    shared_connections = {m.prod_component_id for m in seed.connection_mappings}
    assert sum(1 for prod in shared_connections if prod in root_xml) == 4
    prod_ids = {r["componentName"]: r["prodComponentId"] for r in results}
    for child in ("Get Orders", "Order JSON to XML", "Orders - Validate", "Order Type Router"):
        assert prod_ids[child] in root_xml, f"the root references {child} by its prod id"


async def test_promoting_again_supersedes_the_completed_promotion(
    promo_service: DemoService,
) -> None:
    seed = promo_service.seed
    first = await promoted(promo_service, seed.full_tree_package_id)

    second_response = await promote(promo_service, seed.full_tree_package_id, email=BOB)

    assert second_response.status_code == 200, second_response.text
    second = second_response.json()
    assert first["branchId"] not in live_branch_ids(promo_service), "the first branch is gone"
    assert second["branchId"] in live_branch_ids(promo_service)
    # The first promotion's components never reached main or a package: created afresh.
    first_ids = {r["devComponentId"]: r["prodComponentId"] for r in first["promotionResults"]}
    second_ids = {r["devComponentId"]: r["prodComponentId"] for r in second["promotionResults"]}
    assert {r["action"] for r in second["promotionResults"]} == {"CREATED"}
    assert set(first_ids) == set(second_ids)
    assert all(first_ids[dev] != second_ids[dev] for dev in first_ids)
    async with store_of(promo_service) as uow:
        old = await uow.promotions.get(first["promotionId"])
        mappings = await uow.mappings.get_many(team_a(promo_service), second_ids)
        trail = await uow.audit.list_entries(target_id=first["promotionId"])
    assert old is not None
    assert old.status == PromotionStatus.SUPERSEDED
    assert old.superseded_by == second["promotionId"]
    assert old.branch_id is None
    assert {dev: m.prod_component_id for dev, m in mappings.items()} == second_ids
    superseded = [e for e in trail.items if e.after_status == PromotionStatus.SUPERSEDED]
    assert [(e.actor_email, e.before_status) for e in superseded] == [(BOB, "COMPLETED")]


async def test_unmapped_connection_fails_before_anything_is_written(
    promo_service: DemoService,
) -> None:
    seed = promo_service.seed
    async with store_of(promo_service) as uow:
        mappings_before = len(await uow.mappings.list_for_dev_account(team_a(promo_service)))

    response = await promote(promo_service, seed.unmapped_connection_package_id)

    assert response.status_code == 409
    body = response.json()
    assert body["errorCode"] == "MISSING_CONNECTION_MAPPINGS"
    assert "Legacy FTP" in body["errorMessage"]
    assert body["missingConnectionMappings"] == [
        {
            "devComponentId": seed.unmapped_connection_id,
            "name": "Legacy FTP",
            "type": "connector-settings",
            "devAccountId": team_a(promo_service),
        }
    ]
    assert writes_to_boomi(promo_service) == []
    async with store_of(promo_service) as uow:
        mappings_after = len(await uow.mappings.list_for_dev_account(team_a(promo_service)))
        log = await uow.promotions.get(body["promotionId"])
    assert mappings_after == mappings_before
    assert log is not None
    assert log.status == PromotionStatus.FAILED
    assert "Legacy FTP" in (log.error_message or "")


async def test_two_simultaneous_promotions_of_one_account_let_one_through(
    promo_service: DemoService,
) -> None:
    seed = promo_service.seed
    # Slow branch creation keeps the first promotion IN_PROGRESS while the second arrives.
    promo_service.emulator.state.faults.add(r"/Branch$", method="POST", latency=0.5)

    responses = await asyncio.gather(
        promote(promo_service, seed.full_tree_package_id),
        promote(promo_service, seed.prior_promotion.dev_package_id, email=BOB),
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["errorCode"] == "CONCURRENT_PROMOTION"
    assert promo_service.emulator.state.request_log.count("POST", r"/Branch$") == 1


async def test_branch_limit_refuses_before_creating_a_branch(promo_service: DemoService) -> None:
    limit = promo_service.settings.boomi.branch_soft_limit
    with promo_service.emulator.client() as boomi:
        while len(live_branch_ids(promo_service)) < limit:
            created = boomi.post(
                "/Branch", json={"name": f"busy-{len(live_branch_ids(promo_service))}"}
            )
            created.raise_for_status()
    promo_service.emulator.state.request_log.clear()

    response = await promote(promo_service, promo_service.seed.full_tree_package_id)

    assert response.status_code == 409
    body = response.json()
    assert body["errorCode"] == "BRANCH_LIMIT_REACHED"
    assert writes_to_boomi(promo_service) == []
    async with store_of(promo_service) as uow:
        log = await uow.promotions.get(body["promotionId"])
    assert log is not None
    assert log.status == PromotionStatus.FAILED


async def test_a_failed_write_skips_the_rest_deletes_the_branch_and_keeps_mappings(
    promo_service: DemoService,
) -> None:
    prior = promo_service.seed.prior_promotion
    operation = next(c for c in prior.components if c.component_type == "connector-action")
    # The operation is the third component written (after the two profiles); Boomi refuses it.
    promo_service.emulator.state.faults.add(
        rf"/Component/{operation.prod_component_id}$", method="POST", status=400, count=1
    )

    response = await promote(promo_service, prior.dev_package_id)

    assert response.status_code == 502
    body = response.json()
    assert body["errorCode"] == "PROMOTION_FAILED"
    assert "Get Customers" in body["errorMessage"]
    actions = {r["componentName"]: r["action"] for r in body["promotionResults"]}
    # Writes run a few at a time: the map (it does not reference the operation) may already be
    # under way when the operation fails; it finishes, nothing new starts.
    map_action = actions.pop("Customer JSON to XML")
    assert map_action in {"UPDATED", "SKIPPED"}
    assert actions == {
        "Customer JSON": "UPDATED",
        "Customer XML": "UPDATED",
        "Get Customers": "FAILED",
        "Customer Sync": "SKIPPED",
    }
    assert live_branch_ids(promo_service) == {
        promo_service.emulator.state.main_branch(promo_service.seed.primary_account_id).branch_id
    }
    async with store_of(promo_service) as uow:
        log = await uow.promotions.get(body["promotionId"])
        mappings = await uow.mappings.get_many(
            team_a(promo_service), [c.dev_component_id for c in prior.components]
        )
    assert log is not None
    assert log.status == PromotionStatus.FAILED
    assert log.branch_id is None
    assert log.components_failed == 1
    assert log.result_detail is not None
    assert len(log.result_detail["promotionResults"]) == len(prior.components)
    assert all(
        m.last_promotion_id is None and m.prod_latest_version == 1 for m in mappings.values()
    )


async def test_contributor_of_another_team_is_refused(promo_service: DemoService) -> None:
    response = await promote(promo_service, promo_service.seed.full_tree_package_id, email=DAVE)

    assert response.status_code == 403
    assert response.json()["errorCode"] == "UNAUTHORIZED_ACCOUNT_ACCESS"
    assert writes_to_boomi(promo_service) == []
    async with store_of(promo_service) as uow:
        logs = await uow.promotions.query(dev_account_id=team_a(promo_service))
    assert logs.total == 0


async def test_a_tree_changed_since_review_must_be_reviewed_again(
    promo_service: DemoService,
) -> None:
    prior = promo_service.seed.prior_promotion
    reviewed = [{"componentId": c.dev_component_id} for c in prior.components[:-1]]

    response = await promote(promo_service, prior.dev_package_id, components=reviewed)

    assert response.status_code == 409
    body = response.json()
    assert body["errorCode"] == "DEPENDENCIES_CHANGED"
    assert prior.components[-1].dev_component_id in body["addedComponentIds"]
    assert writes_to_boomi(promo_service) == []


async def test_root_component_must_be_the_packages(promo_service: DemoService) -> None:
    seed = promo_service.seed

    response = await promote(
        promo_service,
        seed.full_tree_package_id,
        rootComponentId=seed.prior_promotion.dev_root_component_id,
    )

    assert response.status_code == 400
    assert response.json()["errorField"] == "rootComponentId"
    assert package_root(promo_service, seed.full_tree_package_id) == seed.full_tree_process_id


async def test_secrets_in_a_promoted_operation_are_stripped(promo_service: DemoService) -> None:
    seed = promo_service.seed
    connection = next(m for m in seed.connection_mappings if m.component_name == "Orders API")
    secrets = ["s3cr3t-op-password", "s3cr3t-op-token", "s3cr3t-op-header"]
    operation = add_dev_component(
        promo_service,
        f'<bns:Component xmlns:bns="{BNS}" name="Token Call" type="connector-action" '
        'subType="http"><bns:encryptedValues><bns:encryptedValue '
        'path="//GenericConnectorConfig/field[@id=\'apiToken\']/text()" isSet="true"/>'
        '</bns:encryptedValues><bns:object><GenericConnectorConfig xmlns="">'
        '<field id="action">GET</field>'
        f'<field id="password">{secrets[0]}</field><field id="apiToken">{secrets[1]}</field>'
        f'<AuthSettings password="{secrets[2]}"/>'
        "</GenericConnectorConfig></bns:object></bns:Component>",
    )
    process = add_dev_component(
        promo_service,
        f'<bns:Component xmlns:bns="{BNS}" name="Token Sync" type="process"><bns:object>'
        '<process xmlns=""><shapes><shape name="shape1" shapetype="start"><configuration>'
        f'<connectoraction connectionId="{connection.dev_component_id}" '
        f'operationId="{operation}" actionType="Get"/></configuration></shape></shapes>'
        "</process></bns:object></bns:Component>",
    )
    with promo_service.emulator.client() as boomi:
        package = boomi.post(
            "/PackagedComponent",
            params={"overrideAccount": team_a(promo_service)},
            json=package_body(process, packageVersion="1.0"),
        )
    package.raise_for_status()

    body = await promoted(promo_service, package.json()["packageId"])

    results = {r["componentName"]: r for r in body["promotionResults"]}
    assert set(results) == {"Token Call", "Token Sync"}
    operation_xml = revision_xml(
        promo_service, results["Token Call"]["prodComponentId"], results["Token Call"]["version"]
    )
    process_xml = revision_xml(
        promo_service, results["Token Sync"]["prodComponentId"], results["Token Sync"]["version"]
    )
    assert [s for s in secrets if s in operation_xml] == []
    assert connection.prod_component_id in process_xml
    assert results["Token Call"]["prodComponentId"] in process_xml
    assert (
        folder_of(promo_service, results["Token Sync"]["prodComponentId"], body["branchId"])
        == "Primary Account/Promoted"
    )


async def test_boomi_unavailable_on_the_first_write_fails_with_nothing_kept(
    promo_service: DemoService,
) -> None:
    # Every attempt (the first and three retries) of every create answers 503.
    promo_service.emulator.state.faults.add(r"/Component$", method="POST", status=503)

    response = await promote(promo_service, promo_service.seed.full_tree_package_id)

    assert response.status_code == 503
    body = response.json()
    assert body["errorCode"] == "PROMOTION_FAILED"
    assert body["causeErrorCode"] == "BOOMI_UNAVAILABLE"
    actions = [r["action"] for r in body["promotionResults"]]
    # Writes run a few at a time: those under way when the first one fails fail too, none is
    # kept and nothing else starts.
    failed = actions.count("FAILED")
    assert 1 <= failed <= WRITE_CONCURRENCY
    assert actions.count("SKIPPED") == len(actions) - failed
    assert len(actions) == 23 - 4
    assert live_branch_ids(promo_service) == {
        promo_service.emulator.state.main_branch(promo_service.seed.primary_account_id).branch_id
    }
