"""Builders of valid records for the store tests; keyword arguments override the defaults."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.store.tables import (
    ClientAccountConfig,
    ComponentMapping,
    DevAccountAccess,
    ExtensionAccessMapping,
    MappingSource,
    PromotionLog,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def promotion(
    *,
    dev_account_id: str = "dev-team-a",
    status: str = "IN_PROGRESS",
    initiated_by: str = "alice@example.com",
    initiated_at: datetime = T0,
    process_name: str | None = "Orders Sync",
    target_environment: str = "TEST",
    test_promotion_id: str | None = None,
) -> PromotionLog:
    return PromotionLog(
        promotion_id=str(uuid.uuid4()),
        dev_account_id=dev_account_id,
        prod_account_id="primary-1",
        dev_package_id=str(uuid.uuid4()),
        root_component_id="proc-orders",
        process_name=process_name,
        initiated_by=initiated_by,
        initiated_at=initiated_at,
        status=PromotionStatus(status),
        target_environment=target_environment,
        test_promotion_id=test_promotion_id,
    )


def mapping(
    *,
    dev_component_id: str = "dev-comp-1",
    dev_account_id: str = "dev-team-a",
    prod_component_id: str = "prod-comp-1",
    component_name: str = "Orders Map",
    component_type: str = "transform.map",
    prod_latest_version: int = 1,
    on_main: bool = False,
) -> ComponentMapping:
    return ComponentMapping(
        dev_component_id=dev_component_id,
        dev_account_id=dev_account_id,
        prod_component_id=prod_component_id,
        component_name=component_name,
        component_type=component_type,
        prod_account_id="primary-1",
        prod_latest_version=prod_latest_version,
        last_promoted_at=T0,
        last_promoted_by="alice@example.com",
        mapping_source=MappingSource.PROMOTION_ENGINE,
        on_main=on_main,
    )


def access(
    *,
    sso_group_id: str = "ABC_BOOMI_FLOW_DEVTEAMA",
    dev_account_id: str = "dev-team-a",
    dev_account_name: str = "Team A Dev",
    is_active: bool = True,
) -> DevAccountAccess:
    return DevAccountAccess(
        sso_group_id=sso_group_id,
        sso_group_name=sso_group_id.title(),
        dev_account_id=dev_account_id,
        dev_account_name=dev_account_name,
        is_active=is_active,
    )


def client_account(
    *,
    client_account_id: str = "client-1",
    sso_group_id: str = "ABC_BOOMI_FLOW_DEVTEAMA",
    client_account_name: str = "Client One",
    is_active: bool = True,
) -> ClientAccountConfig:
    return ClientAccountConfig(
        client_account_id=client_account_id,
        client_account_name=client_account_name,
        test_environment_id=f"{client_account_id}-test",
        test_environment_name="Test",
        prod_environment_id=f"{client_account_id}-prod",
        prod_environment_name="Production",
        sso_group_id=sso_group_id,
        sso_group_name=sso_group_id.title(),
        is_active=is_active,
    )


def extension_access(
    *,
    environment_id: str = "env-test",
    prod_component_id: str = "prod-conn-1",
    component_name: str = "Orders DB",
    authorized_sso_groups: list[str] | None = None,
    is_connection_extension: bool = True,
) -> ExtensionAccessMapping:
    return ExtensionAccessMapping(
        environment_id=environment_id,
        prod_component_id=prod_component_id,
        component_name=component_name,
        component_type="connector-settings",
        owner_process_id="prod-proc-1",
        owner_process_name="Orders Sync",
        dev_account_id="dev-team-a",
        dev_account_name="Team A Dev",
        authorized_sso_groups=authorized_sso_groups or ["ABC_BOOMI_FLOW_DEVTEAMA"],
        is_connection_extension=is_connection_extension,
        last_updated_at=T0,
        last_updated_by="PROCESS_D_DEPLOY",
    )
