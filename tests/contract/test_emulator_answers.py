"""Every object of the demo seed, as the emulator answers it, against Boomi's answer schemas:
each queryable object listed in every account, and each one read back by its id."""

from __future__ import annotations

from typing import Any

import httpx

from boomi_promo.emulator.state.core import SCHEMAS
from tests.contract.support import operations_seen, record_bodies, violations
from tests.integration.emulator.boomi import EVERYTHING, eq, query_all
from tests.support.servers import EmulatorHandle

# Object → the field of a query result that its GET takes.
GET_BY = {
    "Account": "accountId",
    "Environment": "id",
    "EnvironmentExtensions": "id",
    "PublisherIntegrationPack": "id",
    "IntegrationPack": "id",
    "DeployedPackage": "deploymentId",
    "Folder": "id",
    "ComponentMetadata": "componentId",
    "PackagedComponent": "packageId",
    "Branch": "id",
    "Process": "id",
}
# Queries Boomi refuses without a filter naming these.
FILTERS = {"MergeRequest": "sourceBranchId", "ComponentReference": "componentId"}


def _list(client: httpx.Client, object_type: str, account: str) -> list[dict[str, Any]]:
    params = {"overrideAccount": account}
    if object_type not in FILTERS:
        return query_all(client, object_type, EVERYTHING, **params)
    if object_type == "MergeRequest":
        branches = query_all(client, "Branch", EVERYTHING, **params)
        return [
            item
            for branch in branches
            for item in query_all(client, object_type, eq("sourceBranchId", branch["id"]), **params)
        ]
    components = query_all(client, "ComponentMetadata", EVERYTHING, **params)[:20]
    return [
        item
        for component in components
        for item in query_all(
            client, object_type, eq("componentId", component["componentId"]), **params
        )
    ]


def test_every_seeded_object_meets_boomis_answer_schemas(emulator: EmulatorHandle) -> None:
    record_bodies(emulator)
    seed = emulator.seed
    accounts = [
        seed.primary_account_id,
        *(a.account_id for a in seed.dev_accounts),
        *(a.account_id for a in seed.client_accounts),
    ]
    with emulator.client() as client:
        for account in accounts:
            for object_type in SCHEMAS:
                items = _list(client, object_type, account)
                field = GET_BY.get(object_type, "")
                for item in items[:10] if field else []:
                    answer = client.get(
                        f"/{object_type}/{item[field]}", params={"overrideAccount": account}
                    )
                    assert answer.status_code == 200, (object_type, answer.text)
                if object_type == "EnvironmentMapExtensionsSummary":
                    for item in items:
                        client.get(
                            f"/EnvironmentMapExtension/{item['id']}",
                            params={"overrideAccount": account},
                        ).raise_for_status()

    entries = emulator.state.request_log.entries()
    assert violations(entries) == []
    assert {f"POST /{object_type}/query" for object_type in SCHEMAS} <= operations_seen(entries)
