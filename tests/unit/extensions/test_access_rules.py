"""decide_edit: who may edit a component's extensions."""

from __future__ import annotations

import pytest

from boomi_promo.config import GroupSettings
from boomi_promo.engine.extension_access import EditDecision, ExtensionAccess, decide_edit
from boomi_promo.identity.principal import Principal

GROUPS = GroupSettings()
TEAM_A = f"{GROUPS.team_prefix}A"
TEAM_B = f"{GROUPS.team_prefix}B"


def person(*groups: str) -> Principal:
    return Principal.from_groups(email="x@example.com", name="X", groups=groups, settings=GROUPS)


ALICE = person(GROUPS.contributor, TEAM_A)
DAVE = person(GROUPS.contributor, TEAM_B)
CAROL = person(GROUPS.admin)
OLIVIA = person(TEAM_A)  # team group but no tier group: READONLY


def access(*groups: str, connection: bool = False) -> ExtensionAccess:
    return ExtensionAccess(
        environment_id="env",
        prod_component_id="c1",
        component_name="Customer Sync Settings",
        component_type="connector-settings" if connection else "processproperty",
        owner_process_id="p1",
        owner_process_name="Customer Sync",
        dev_account_id="devteama",
        dev_account_name="Dev Team A",
        authorized_groups=frozenset(groups),
        is_connection=connection,
        is_shared=False,
    )


def test_the_team_granted_the_dev_account_may_edit() -> None:
    assert decide_edit(access(TEAM_A), ALICE) is EditDecision.ALLOWED


def test_another_team_may_not() -> None:
    decision = decide_edit(access(TEAM_A), DAVE)
    assert decision is EditDecision.NOT_AUTHORIZED
    assert decision.error_code == "UNAUTHORIZED_EXTENSION_EDIT"


def test_connections_are_admin_only_even_for_their_team() -> None:
    decision = decide_edit(access(TEAM_A, connection=True), ALICE)
    assert decision is EditDecision.ADMIN_ONLY
    assert decision.error_code == "CONNECTION_EDIT_ADMIN_ONLY"


@pytest.mark.parametrize(
    "record", [access(TEAM_A), access(TEAM_A, connection=True), access(), None]
)
def test_admins_may_edit_everything(record: ExtensionAccess | None) -> None:
    assert decide_edit(record, CAROL) is EditDecision.ALLOWED


def test_a_component_nobody_maps_is_refused_to_contributors() -> None:
    assert decide_edit(access(), ALICE) is EditDecision.NOT_AUTHORIZED


def test_a_component_without_record_is_unknown_to_contributors() -> None:
    decision = decide_edit(None, ALICE)
    assert decision is EditDecision.UNKNOWN
    assert decision.error_code == "UNAUTHORIZED_EXTENSION_EDIT"


def test_readonly_callers_never_edit_even_with_the_team_group() -> None:
    assert decide_edit(access(TEAM_A), OLIVIA) is EditDecision.NOT_AUTHORIZED
    assert EditDecision.ALLOWED.error_code is None
