"""The product's real flows against the emulator, every JSON exchange checked against Boomi's
own OpenAPI document: what the client sends must meet the request schemas, what the emulator
answers must meet the documented answer schemas."""

from __future__ import annotations

import json
from typing import Any

from tests.contract.support import operations_seen, record_bodies, violations
from tests.integration.deployment.support import (
    PROCESS,
    body_of,
    completed_promotion,
    deploy,
    deployed_to_test,
    record,
    to_production,
)
from tests.integration.extensions.test_update_extensions import settings_with_region
from tests.integration.promotion.support import ALICE, BOB, CAROL, team_a
from tests.integration.rollback.test_rollback import PROFILE, edit_dev_component
from tests.support.service import DemoService


async def ok(service: DemoService, email: str, action: str, body: dict[str, Any]) -> Any:
    return body_of(await service.call(email, action, body))


async def test_promotion_deployment_modes_and_rollback_meet_boomis_schemas(
    demo_service: DemoService,
) -> None:
    service = demo_service
    record_bodies(service.emulator)
    prior = service.seed.prior_promotion
    dev_account = team_a(service)

    await ok(service, ALICE, "getDevAccounts", {})
    await ok(service, ALICE, "listDevPackages", {"devAccountId": dev_account})
    await ok(
        service,
        ALICE,
        "resolveDependencies",
        {"devAccountId": dev_account, "rootComponentId": prior.dev_root_component_id},
    )
    await ok(
        service,
        ALICE,
        "planPromotion",
        {"devAccountId": dev_account, "devPackageId": prior.dev_package_id},
    )
    # C, then D mode 1 (branch → test pack) and mode 4 (a new pack); R, E3, S: modes 2/3.
    first_test = await deployed_to_test(service)
    await ok(service, ALICE, "checkReleaseStatus", {"promotionId": first_test})
    await ok(service, CAROL, "listIntegrationPacks", {})
    first = await to_production(service, first_test, createNewPack=True, newPackName=PROCESS)
    v1 = await record(service, first)
    profile = next(c for c in prior.components if c.component_name == PROFILE)
    await edit_dev_component(service, profile.dev_component_id, 'name="country"', 'name="cc"')
    second_test = str((await completed_promotion(service))["promotionId"])
    body_of(await deploy(service, ALICE, promotionId=second_test))
    await to_production(service, second_test, integrationPackId=v1.integration_pack_id)
    await ok(service, CAROL, "rollbackRelease", {"processName": PROCESS, "environment": "TEST"})

    entries = service.emulator.state.request_log.entries()
    assert violations(entries) == []
    seen = operations_seen(entries)
    assert {
        "POST /PackagedComponent",
        "POST /Branch",
        "POST /MergeRequest",
        "POST /MergeRequest/execute/{id}",
        "POST /PublisherIntegrationPack",
        "POST /PublisherIntegrationPack/{id}",
        "POST /ReleaseIntegrationPack",
        "GET /ReleaseIntegrationPackStatus/{id}",
        "POST /ComponentMetadata/query",
        "POST /ComponentReference/query",
    } <= seen


async def test_extension_and_mapping_flows_meet_boomis_schemas(demo_service: DemoService) -> None:
    service = demo_service
    record_bodies(service.emulator)
    client = service.seed.client_accounts[0]
    environment_id = client.test_environment_id
    map_extension_id = next(
        m.extension_id
        for m in service.emulator.state.map_extensions.values()
        if m.environment_id == environment_id
    )

    await ok(service, CAROL, "rebuildExtensionAccess", {})
    await ok(service, ALICE, "listClientAccounts", {})
    read = await ok(
        service,
        ALICE,
        "getExtensions",
        {"clientAccountId": client.account_id, "environmentId": environment_id},
    )
    assert read["success"] is True
    async with service.emulator.async_client() as boomi:
        raw = await boomi.get(
            f"/EnvironmentExtensions/{environment_id}",
            params={"overrideAccount": client.account_id},
        )
    await ok(
        service,
        ALICE,
        "updateExtensions",
        {
            "clientAccountId": client.account_id,
            "environmentId": environment_id,
            "extensionPayload": json.dumps(settings_with_region(raw.json(), "EU")),
        },
    )
    await ok(service, CAROL, "copyExtensionsTestToProd", {"clientAccountId": client.account_id})
    target = {
        "clientAccountId": client.account_id,
        "environmentId": environment_id,
        "mapExtensionId": map_extension_id,
    }
    current = await ok(service, ALICE, "getMapExtension", target)
    await ok(
        service,
        ALICE,
        "updateMapExtension",
        {
            **target,
            "mapExtensionPayload": {
                "addMappings": [{"fromXPath": "Customer/Object/name", "toXPath": "Customer/name"}]
            },
            "expectedVersion": current["version"],
        },
    )
    await ok(service, BOB, "manageMappings", {"action": "query"})

    entries = service.emulator.state.request_log.entries()
    assert violations(entries) == []
    assert {
        "GET /EnvironmentExtensions/{id}",
        "POST /EnvironmentExtensions/{id}",
        "POST /EnvironmentMapExtensionsSummary/query",
        "GET /EnvironmentMapExtension/{id}",
        "POST /EnvironmentMapExtension/{id}",
    } <= operations_seen(entries)
