"""The OpenAPI document carries the seed's naming convention for every action."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from boomi_promo.actions.catalog import all_actions
from boomi_promo.config import Settings
from boomi_promo.service import create_app


@pytest.fixture
def document(tmp_path: Path) -> dict[str, Any]:
    return create_app(Settings(data_dir=tmp_path)).openapi()


@pytest.mark.parametrize(
    ("action", "pascal"),
    [("getDevAccounts", "GetDevAccounts"), ("listDevPackages", "ListDevPackages")],
)
def test_actions_carry_the_seed_names(document: dict[str, Any], action: str, pascal: str) -> None:
    operation = document["paths"][f"/api/v1/actions/{action}"]["post"]
    schemas = document["components"]["schemas"]

    assert operation["operationId"] == action
    assert operation["summary"] == f"PROMO - FSS Op - {pascal}"
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    response_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    request_schema = schemas[request_ref.rsplit("/", 1)[1]]
    response_schema = schemas[response_ref.rsplit("/", 1)[1]]
    assert request_schema["title"] == f"PROMO - Profile - {pascal}Request"
    assert response_schema["title"] == f"PROMO - Profile - {pascal}Response"


def test_every_registered_action_is_documented_with_camel_case_fields(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    for spec in all_actions():
        assert f"/api/v1/actions/{spec.name}" in document["paths"]
        response_fields = schemas[spec.response_model.__name__]["properties"]
        assert {"success", "errorCode", "errorMessage"} <= set(response_fields)
    assert "devAccountId" in schemas["ListDevPackagesRequest"]["properties"]


def test_process_names_follow_the_seed() -> None:
    names = {spec.name: spec.process_name for spec in all_actions()}

    assert names["getDevAccounts"] == "A0 · PROMO - Get Dev Accounts"
    assert names["listDevPackages"] == "A · PROMO - List Dev Packages"
