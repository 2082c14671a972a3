"""A client account with one environment's extensions, answered the way K, L, M, N and O do.

:class:`FakeExtensionActions` extends the dashboard tests' :class:`FakeActions`: team A's
contributors and the admins manage Client Co; the Orders Sync process (from Dev Team A) owns
the Orders Settings process properties and the Orders API connection; the Partner Rates table
belongs to Dev Team B's Billing process and is shared.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from boomi_promo.actions.extension_updates import UpdateExtensionsResponse
from boomi_promo.actions.extensions import (
    ClientAccountItem,
    GetExtensionsResponse,
    ListClientAccountsResponse,
)
from boomi_promo.actions.map_extension_updates import UpdateMapExtensionResponse
from boomi_promo.actions.registry import ResponseProfile
from boomi_promo.actions.scripts import ScriptIssueItem, ValidateScriptResponse
from boomi_promo.boomi.models import EnvironmentMapExtension
from boomi_promo.identity.principal import Principal, Tier
from tests.unit.web.support import FakeActions

CLIENT = ClientAccountItem(
    client_account_id="client-co",
    client_account_name="Client Co",
    test_environment_id="env-test",
    test_environment_name="Client Co Test",
    prod_environment_id="env-prod",
    prod_environment_name="Client Co Production",
)
TEAM_A = "ABC_BOOMI_FLOW_DEVTEAMA"
TEAM_B = "ABC_BOOMI_FLOW_DEVTEAMB"
STORED_SECRET = "s3cr3t-stored-in-boomi"

EXTENSIONS: dict[str, Any] = {
    "id": "env-test",
    "environmentId": "env-test",
    "connections": {
        "connection": [
            {
                "id": "conn-orders-api",
                "name": "Orders API",
                "field": [
                    {"id": "url", "value": "https://orders.test", "useDefault": False},
                    {
                        "id": "password",
                        "useDefault": False,
                        "usesEncryption": True,
                        "encryptedValueSet": True,
                    },
                ],
            }
        ]
    },
    "crossReferences": {
        "crossReference": [
            {
                "id": "xref-rates",
                "name": "Partner Rates",
                "overrideValues": True,
                "CrossReferenceRows": {"row": [{"ref1": "NL", "ref2": "21"}]},
            }
        ]
    },
    "properties": {"property": [{"name": "batchSize", "value": "50"}]},
    "processProperties": {
        "ProcessProperty": [
            {
                "id": "pp-orders",
                "name": "Orders Settings",
                "ProcessPropertyValue": [
                    {"key": "region", "label": "Region", "value": "EU", "useDefault": True},
                    {"key": "limit", "label": "Limit", "value": "250", "useDefault": False},
                    {
                        "key": "token",
                        "label": "Token",
                        "useDefault": False,
                        "usesEncryption": True,
                        "encryptedValueSet": True,
                    },
                ],
            }
        ]
    },
    "PGPCertificates": {"PGPCertificate": [{"id": "pgp-key", "value": "key-2025"}]},
}


def _access(
    component_id: str,
    name: str,
    owner: str,
    account: str,
    groups: list[str],
    *,
    connection: bool = False,
    shared: bool = False,
) -> dict[str, Any]:
    return {
        "prodComponentId": component_id,
        "componentName": name,
        "ownerProcessId": f"proc-{owner.lower()}",
        "ownerProcessName": owner,
        "devAccountName": account,
        "authorizedGroups": groups,
        "isConnection": connection,
        "isShared": shared,
    }


ACCESS = [
    _access(
        "conn-orders-api", "Orders API", "Orders Sync", "Dev Team A", [TEAM_A], connection=True
    ),
    _access("pp-orders", "Orders Settings", "Orders Sync", "Dev Team A", [TEAM_A]),
    _access("xref-rates", "Partner Rates", "Billing", "Dev Team B", [TEAM_B], shared=True),
    _access("pgp-key", "Partner Key", "Billing", "Dev Team B", [TEAM_B]),
]


def map_extension(version: int = 3) -> EnvironmentMapExtension:
    return EnvironmentMapExtension.model_validate(
        {
            "id": "mapext-1",
            "environmentId": "env-test",
            "name": "Customer JSON - Customer XML",
            "version": version,
            "Map": {
                "SourceProfile": {"Node": [{"name": "email", "xpath": "Customer/email"}]},
                "DestinationProfile": {
                    "Node": [
                        {"name": "email", "xpath": "Out/email"},
                        {"name": "mail", "xpath": "Out/mail"},
                    ]
                },
                "ExtendedFunctions": {
                    "Function": [
                        {
                            "id": "FUNCEXT-1",
                            "type": "Scripting",
                            "Configuration": {
                                "Scripting": {"language": "groovy2", "Script": "output = input"}
                            },
                        }
                    ]
                },
                "ExtendedMappings": {
                    "Mapping": [{"fromXPath": "Customer/email", "toXPath": "Out/email"}]
                },
            },
        }
    )


@dataclass
class FakeExtensionActions(FakeActions):
    extension_data: dict[str, Any] = field(
        default_factory=lambda: json.loads(json.dumps(EXTENSIONS))
    )
    prod_extension_data: dict[str, Any] | None = None
    """Production's extensions, when they differ from Test's (``extension_data``)."""
    updates: list[dict[str, Any]] = field(default_factory=list)
    script_errors: list[ScriptIssueItem] = field(default_factory=list)

    async def __call__(
        self, container: Any, name: str, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        if name in {"listClientAccounts", "getExtensions", "updateExtensions"} | {
            "updateMapExtension",
            "validateScript",
        }:
            self.calls.append((name, dict(payload), principal.email))
            if name in self.refusals:
                raise self.refusals[name]
            return self.answer(name, payload, principal)
        return await super().__call__(container, name, payload, principal)

    def manages(self, principal: Principal) -> bool:
        return principal.tier is Tier.ADMIN or TEAM_A in principal.groups

    def answer(
        self, name: str, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        if name == "listClientAccounts":
            return ListClientAccountsResponse(
                client_accounts=[CLIENT] if self.manages(principal) else []
            )
        if name == "getExtensions":
            assert payload["environmentId"] in {"env-test", "env-prod"}
            return GetExtensionsResponse(
                environment_id=payload["environmentId"],
                extension_data=json.dumps(
                    self.prod_extension_data
                    if payload["environmentId"] == "env-prod" and self.prod_extension_data
                    else self.extension_data
                ),
                access_mappings=json.dumps(ACCESS),
                map_extension_summaries=json.dumps(
                    [{"id": "mapext-1", "name": "Customer JSON - Customer XML"}]
                ),
            )
        if name == "updateExtensions":
            self.updates.append(json.loads(payload["extensionPayload"]))
            return UpdateExtensionsResponse(
                updated_field_count=1, environment_id=payload["environmentId"]
            )
        if name == "validateScript":
            return ValidateScriptResponse(
                language=payload["language"],
                function_name=payload["functionName"],
                is_valid=not self.script_errors,
                errors=self.script_errors,
            )
        return UpdateMapExtensionResponse(
            map_extension_id=payload["mapExtensionId"],
            map_name="Customer JSON - Customer XML",
            saved=True,
            version=payload["expectedVersion"] + 1,
        )
