"""Tier resolution, team groups and the check that body fields naming the caller match them."""

from __future__ import annotations

from typing import Any

import pytest

from boomi_promo.config import GroupSettings
from boomi_promo.identity.principal import (
    Principal,
    Tier,
    check_identity_fields,
    resolve_tier,
    same_person,
    team_groups,
)

DEFAULTS = GroupSettings()
CUSTOM = GroupSettings(admin="ops-admins", contributor="ops-devs", team_prefix="team-")


@pytest.mark.parametrize(
    ("groups", "settings", "tier"),
    [
        (["ABC_BOOMI_FLOW_ADMIN"], DEFAULTS, Tier.ADMIN),
        (["ABC_BOOMI_FLOW_CONTRIBUTOR", "ABC_BOOMI_FLOW_ADMIN"], DEFAULTS, Tier.ADMIN),
        (["ABC_BOOMI_FLOW_CONTRIBUTOR", "ABC_BOOMI_FLOW_DEVTEAMA"], DEFAULTS, Tier.CONTRIBUTOR),
        (["ABC_BOOMI_FLOW_READONLY"], DEFAULTS, Tier.READONLY),
        (["ABC_BOOMI_FLOW_OPERATOR", "ABC_BOOMI_FLOW_DEVTEAMA"], DEFAULTS, Tier.READONLY),
        ([], DEFAULTS, Tier.READONLY),
        # Exact names only: a differently cased group is a different group.
        (["abc_boomi_flow_admin"], DEFAULTS, Tier.READONLY),
        (["ABC_BOOMI_FLOW_ADMIN_X"], DEFAULTS, Tier.READONLY),
        (["ops-devs"], CUSTOM, Tier.CONTRIBUTOR),
        (["ops-admins"], CUSTOM, Tier.ADMIN),
        (["ABC_BOOMI_FLOW_ADMIN"], CUSTOM, Tier.READONLY),
    ],
)
def test_tier_follows_the_configured_groups(
    groups: list[str], settings: GroupSettings, tier: Tier
) -> None:
    assert resolve_tier(groups, settings) is tier


def test_team_groups_are_those_with_the_team_prefix_each_once() -> None:
    groups = [
        "ABC_BOOMI_FLOW_CONTRIBUTOR",
        "ABC_BOOMI_FLOW_DEVTEAMB",
        "ABC_BOOMI_FLOW_DEVTEAMA",
        "ABC_BOOMI_FLOW_DEVTEAMB",
        "XABC_BOOMI_FLOW_DEVTEAMC",
    ]
    assert team_groups(groups, DEFAULTS) == ["ABC_BOOMI_FLOW_DEVTEAMB", "ABC_BOOMI_FLOW_DEVTEAMA"]
    assert team_groups(["team-red", "ABC_BOOMI_FLOW_DEVTEAMA"], CUSTOM) == ["team-red"]
    assert team_groups(["ABC_BOOMI_FLOW_ADMIN"], DEFAULTS) == []


def test_same_person_ignores_case_and_outer_spaces() -> None:
    assert same_person("Alice@Example.com", "alice@example.COM")
    assert same_person(" alice@example.com ", "alice@example.com")
    assert not same_person("alice@example.com", "alice@example.org")


def test_principal_resolves_its_tier_and_keeps_each_group_once() -> None:
    principal = Principal.from_groups(
        email=" carol@example.com ",
        name="Carol Clark",
        groups=["ABC_BOOMI_FLOW_ADMIN", "ABC_BOOMI_FLOW_CONTRIBUTOR", "ABC_BOOMI_FLOW_ADMIN"],
        settings=DEFAULTS,
    )
    assert principal.email == "carol@example.com"
    assert principal.groups == ("ABC_BOOMI_FLOW_ADMIN", "ABC_BOOMI_FLOW_CONTRIBUTOR")
    assert principal.tier is Tier.ADMIN


ALICE = Principal.from_groups(
    email="Alice@Example.com",
    name="Alice Adams",
    groups=["ABC_BOOMI_FLOW_CONTRIBUTOR", "ABC_BOOMI_FLOW_DEVTEAMA"],
    settings=DEFAULTS,
)

EMAIL_FIELDS = ["requesterEmail", "reviewerEmail", "initiatorEmail", "userEmail"]


def test_a_body_without_identity_fields_is_accepted() -> None:
    assert check_identity_fields(ALICE, {"promotionId": "p-1", "decision": "APPROVED"}) is None


def test_absent_and_empty_identity_fields_are_accepted() -> None:
    body: dict[str, Any] = {
        "userSsoGroups": [],
        "requesterEmail": "",
        "reviewerEmail": None,
        "reviewerName": "  ",
        "initiatorEmail": "",
        "promotionMetadata": {"processName": "Orders", "requestedBy": ""},
    }
    assert check_identity_fields(ALICE, body) is None


def test_every_field_naming_the_caller_is_accepted_when_it_matches() -> None:
    body: dict[str, Any] = {
        "userSsoGroups": ["ABC_BOOMI_FLOW_DEVTEAMA", "ABC_BOOMI_FLOW_CONTRIBUTOR"],
        "requesterEmail": "alice@example.com",
        "reviewerEmail": "ALICE@EXAMPLE.COM",
        "reviewerName": "Alice Adams",
        "initiatorEmail": " alice@example.com",
        "userEmail": "Alice@example.com",
        "promotionMetadata": {"requestedBy": "alice@EXAMPLE.com"},
    }
    assert check_identity_fields(ALICE, body) is None


@pytest.mark.parametrize("field", EMAIL_FIELDS)
def test_an_email_field_naming_someone_else_is_reported(field: str) -> None:
    assert check_identity_fields(ALICE, {field: "bob@example.com"}) == field


@pytest.mark.parametrize("field", EMAIL_FIELDS)
def test_an_email_field_that_is_not_text_is_reported(field: str) -> None:
    assert check_identity_fields(ALICE, {field: ["alice@example.com"]}) == field


def test_requested_by_inside_promotion_metadata_is_checked() -> None:
    body = {"promotionMetadata": {"processName": "Orders", "requestedBy": "dave@example.com"}}
    assert check_identity_fields(ALICE, body) == "promotionMetadata.requestedBy"


def test_reviewer_name_must_be_the_callers_name_exactly() -> None:
    assert check_identity_fields(ALICE, {"reviewerName": " Alice Adams "}) is None
    assert check_identity_fields(ALICE, {"reviewerName": "Bob Brown"}) == "reviewerName"
    assert check_identity_fields(ALICE, {"reviewerName": "alice adams"}) == "reviewerName"


@pytest.mark.parametrize(
    "groups",
    [
        ["ABC_BOOMI_FLOW_DEVTEAMA", "ABC_BOOMI_FLOW_CONTRIBUTOR"],
        ["ABC_BOOMI_FLOW_CONTRIBUTOR", "ABC_BOOMI_FLOW_DEVTEAMA", "ABC_BOOMI_FLOW_DEVTEAMA"],
    ],
)
def test_sso_groups_match_as_a_set(groups: list[str]) -> None:
    assert check_identity_fields(ALICE, {"userSsoGroups": groups}) is None


@pytest.mark.parametrize(
    "groups",
    [
        # Claiming more groups than the token grants is the attack this check exists for.
        ["ABC_BOOMI_FLOW_CONTRIBUTOR", "ABC_BOOMI_FLOW_DEVTEAMA", "ABC_BOOMI_FLOW_ADMIN"],
        ["ABC_BOOMI_FLOW_CONTRIBUTOR"],
        ["abc_boomi_flow_contributor", "abc_boomi_flow_devteama"],
        "ABC_BOOMI_FLOW_CONTRIBUTOR",
        [1, 2],
    ],
)
def test_sso_groups_that_differ_from_the_principal_are_reported(groups: Any) -> None:
    assert check_identity_fields(ALICE, {"userSsoGroups": groups}) == "userSsoGroups"


def test_the_first_mismatching_field_in_specification_order_is_reported() -> None:
    body = {
        "userEmail": "mallory@example.com",
        "reviewerName": "Mallory",
        "requesterEmail": "mallory@example.com",
    }
    assert check_identity_fields(ALICE, body) == "requesterEmail"


@pytest.mark.parametrize(
    "body",
    [
        {"requester_email": "mallory@example.com"},
        {"user_sso_groups": ["ABC_BOOMI_FLOW_ADMIN"]},
        {"reviewer_name": "Mallory Moss"},
        {"promotion_metadata": {"requested_by": "mallory@example.com"}},
        {"promotionMetadata": {"requested_by": "mallory@example.com"}},
        {"promotion_metadata": {"requestedBy": "mallory@example.com"}},
        {"userEmail": "alice@example.com", "user_email": "mallory@example.com"},
    ],
    ids=["snake-email", "snake-groups", "snake-name", "snake-nested", "mixed-1", "mixed-2", "both"],
)
def test_identity_fields_are_checked_under_every_name_the_request_models_accept(
    body: dict[str, Any],
) -> None:
    assert check_identity_fields(ALICE, body) is not None


def test_snake_case_identity_fields_naming_the_caller_are_accepted() -> None:
    body = {"requester_email": "ALICE@example.com", "promotion_metadata": {"requested_by": ""}}

    assert check_identity_fields(ALICE, body) is None


@pytest.mark.parametrize(
    ("tier", "minimum", "allowed"),
    [
        (Tier.ADMIN, Tier.CONTRIBUTOR, True),
        (Tier.ADMIN, Tier.ADMIN, True),
        (Tier.CONTRIBUTOR, Tier.READONLY, True),
        (Tier.CONTRIBUTOR, Tier.ADMIN, False),
        (Tier.READONLY, Tier.CONTRIBUTOR, False),
        (Tier.READONLY, Tier.READONLY, True),
    ],
)
def test_each_tier_may_do_what_the_tiers_below_it_may(
    tier: Tier, minimum: Tier, allowed: bool
) -> None:
    assert tier.at_least(minimum) is allowed
