"""The demo world's accounts and ids, and what seeding it returns (:class:`DemoSeed`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

DEMO_USERNAME = "demo@example.com"
DEMO_API_TOKEN = "demo-boomi-api-token-7f3c9a"  # noqa: S105 - the emulator's fixed demo credential
DEMO_ID_SEED = 20_241_104
"""Every build of the demo seed gets the same component, package and merge ids."""
PRIMARY_ACCOUNT_ID = "primaryaccount-PRM001"
PRIMARY_ACCOUNT_NAME = "Primary Account"
TEAM_A_ID = "devteama-DVA001"
TEAM_B_ID = "devteamb-DVB001"
CLIENT_ID = "clientco-CLC001"
CLIENT_NAME = "Client Co"
BATCH_PROCESSES = 6
BATCH_PACKAGES_PER_PROCESS = 20


class DevAccount(NamedTuple):
    account_id: str
    name: str


class ConnectionMapping(NamedTuple):
    """A dev connection and the shared production connection it stands for."""

    dev_account_id: str
    dev_component_id: str
    prod_component_id: str
    component_name: str
    component_type: str


class ClientAccount(NamedTuple):
    """A client sub-account and the environments its extensions are managed in."""

    account_id: str
    name: str
    test_environment_id: str
    prod_environment_id: str


class PromotedComponent(NamedTuple):
    dev_account_id: str
    dev_component_id: str
    prod_component_id: str
    component_name: str
    component_type: str
    prod_version: int


@dataclass(frozen=True)
class PriorPromotion:
    """The process promoted and deployed before the demo starts (mappings for ``promo demo``)."""

    dev_account_id: str
    dev_package_id: str
    dev_root_component_id: str
    prod_root_component_id: str
    prod_package_id: str
    prod_folder_path: str
    components: list[PromotedComponent]


@dataclass(frozen=True)
class DemoSeed:
    primary_account_id: str
    primary_account_name: str
    username: str
    api_token: str
    dev_accounts: list[DevAccount]
    connection_mappings: list[ConnectionMapping]
    prior_promotion: PriorPromotion
    full_tree_package_id: str
    """Team A "Orders Sync": every promotable type, all connections mapped."""
    full_tree_process_id: str
    unmapped_connection_package_id: str
    """Team A "Invoice Export": uses a connection with no mapping."""
    unmapped_connection_id: str
    team_b_package_id: str
    paging_account_id: str
    """The dev account with more than 120 packaged components."""
    test_environment_id: str
    """The primary account's "Test" environment (classification TEST)."""
    prod_environment_id: str
    """The primary account's "Production" environment (classification PROD)."""
    secret_values: list[str] = field(default_factory=list)
    client_accounts: list[ClientAccount] = field(default_factory=list)
    extension_components: list[PromotedComponent] = field(default_factory=list)
    """Dev ↔ prod pairs of the extensible components that are not in the prior promotion (the
    process-property component, the cross-reference table): mappings for ``promo demo``."""


def demo_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
