"""Ids that are not Boomi ids are refused before any Boomi call (issue 13).

A fuzzed ``rootComponentId`` with ``../``, ``%``, ``~``, spaces, non-ASCII or thousands of
characters once went into a Boomi URL path and came back as a 5xx. Every request field that
carries a component, account, environment, package, pack or branch id is now a Boomi id
(a GUID, or letters, digits, ``-`` and ``_``): anything else is ``400 INVALID_REQUEST`` naming
the field, and Boomi is not called.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.promotion.support import ALICE, CAROL, team_a
from tests.support.service import DemoService

ODD_IDS = [
    "../../Account/x",
    "..",
    "%2e%2e%2f",
    "100%",
    "abc~1",
    "~Qjox",
    "two words",
    "tab\there",
    "caf\u00e9",
    "\u30b3\u30f3\u30dd\u30fc\u30cd\u30f3\u30c8",
    "\U0001f600",
    "a/b",
    "a?b=c",
    "a#b",
    "x" * 5000,
]


@dataclass(frozen=True)
class IdField:
    email: str
    action: str
    field: str
    body: Callable[[DemoService, str], dict[str, Any]]


def seed_environment(service: DemoService) -> str:
    return service.seed.client_accounts[0].test_environment_id


FIELDS = [
    IdField(
        ALICE,
        "resolveDependencies",
        "rootComponentId",
        lambda s, odd: {"devAccountId": team_a(s), "rootComponentId": odd},
    ),
    IdField(
        ALICE,
        "resolveDependencies",
        "devAccountId",
        lambda s, odd: {"devAccountId": odd, "rootComponentId": s.seed.full_tree_process_id},
    ),
    IdField(ALICE, "listDevPackages", "devAccountId", lambda s, odd: {"devAccountId": odd}),
    IdField(
        ALICE,
        "planPromotion",
        "devPackageId",
        lambda s, odd: {"devAccountId": team_a(s), "devPackageId": odd},
    ),
    IdField(
        ALICE,
        "executePromotion",
        "rootComponentId",
        lambda s, odd: {
            "devAccountId": team_a(s),
            "devPackageId": s.seed.full_tree_package_id,
            "rootComponentId": odd,
        },
    ),
    IdField(
        CAROL,
        "packageAndDeploy",
        "integrationPackId",
        lambda s, odd: {"promotionId": str(uuid.uuid4()), "integrationPackId": odd},
    ),
    IdField(
        ALICE,
        "generateComponentDiff",
        "prodComponentId",
        lambda s, odd: {"branchId": "QjoxMDA", "prodComponentId": odd},
    ),
    IdField(ALICE, "getExtensions", "environmentId", lambda s, odd: {"environmentId": odd}),
    IdField(
        ALICE,
        "updateExtensions",
        "environmentId",
        lambda s, odd: {"environmentId": odd, "extensionPayload": "{}"},
    ),
    IdField(
        CAROL,
        "copyExtensionsTestToProd",
        "clientAccountId",
        lambda s, odd: {"clientAccountId": odd},
    ),
    IdField(
        ALICE,
        "getMapExtension",
        "mapExtensionId",
        lambda s, odd: {"environmentId": seed_environment(s), "mapExtensionId": odd},
    ),
    IdField(
        CAROL,
        "manageMappings",
        "devComponentId",
        lambda s, odd: {"action": "query", "devComponentId": odd},
    ),
    IdField(ALICE, "queryStatus", "componentId", lambda s, odd: {"componentId": odd}),
    IdField(CAROL, "findBoomiEnvironments", "accountId", lambda s, odd: {"accountId": odd}),
    IdField(ALICE, "listReleases", "devAccountId", lambda s, odd: {"devAccountId": odd}),
    IdField(
        CAROL,
        "manageClientAccounts",
        "clientAccountId",
        lambda s, odd: {"action": "query", "clientAccountId": odd},
    ),
    IdField(
        CAROL,
        "manageDevAccountAccess",
        "devAccountId",
        lambda s, odd: {"action": "query", "devAccountId": odd},
    ),
]


@pytest.mark.parametrize("case", FIELDS, ids=[f"{c.action}.{c.field}" for c in FIELDS])
async def test_an_odd_id_is_invalid_request_naming_the_field_and_boomi_is_not_called(
    demo_service: DemoService, case: IdField
) -> None:
    log = demo_service.emulator.state.request_log
    for odd in ODD_IDS:
        log.clear()

        response = await demo_service.call(case.email, case.action, case.body(demo_service, odd))

        shown = odd[:20]
        assert response.status_code == 400, f"{shown!r}: {response.text[:300]}"
        body = response.json()
        assert body["errorCode"] == "INVALID_REQUEST", shown
        assert body["errorField"] == case.field, shown
        assert f"'{case.field}'" in body["errorMessage"], shown
        assert log.entries() == [], f"{shown!r} reached Boomi"


async def test_boomi_ids_of_every_form_are_accepted(demo_service: DemoService) -> None:
    # GUIDs, account ids and base64 branch ids pass; a blank optional id means "not given".
    response = await demo_service.call(
        ALICE,
        "resolveDependencies",
        {
            "devAccountId": team_a(demo_service),
            "rootComponentId": demo_service.seed.full_tree_process_id,
        },
    )
    assert response.status_code == 200, response.text
    response = await demo_service.call(
        ALICE,
        "planPromotion",
        {
            "devAccountId": team_a(demo_service),
            "devPackageId": demo_service.seed.full_tree_package_id,
            "rootComponentId": "",
        },
    )
    assert response.status_code == 200, response.text
