"""The pure rules of D and S: which mode a status calls for, what a release lists, who may
approve, pack names, and what a promotion wrote."""

from __future__ import annotations

import pytest

from boomi_promo.boomi.models import PublisherIntegrationPack, PublisherPackagedComponent
from boomi_promo.domain.result_detail import ResultDetail
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.deployment.rules import (
    DeploymentMode,
    PackPurpose,
    mode_for,
    pack_purpose,
    promoted_components,
    release_components,
    segregation_conflict,
    with_test_suffix,
)

S = PromotionStatus


@pytest.mark.parametrize(
    ("status", "is_hotfix", "mode"),
    [
        (S.COMPLETED, False, DeploymentMode.TEST),
        (S.TEST_DEPLOY_FAILED, False, DeploymentMode.TEST),
        (S.PENDING_PACK_ASSIGNMENT, False, DeploymentMode.PACK_ASSIGNMENT),
        (S.ADMIN_APPROVED, False, DeploymentMode.PRODUCTION),
        (S.DEPLOY_FAILED, False, DeploymentMode.PRODUCTION),
        (S.ADMIN_APPROVED, True, DeploymentMode.HOTFIX),
        (S.DEPLOY_FAILED, True, DeploymentMode.HOTFIX),
        (S.COMPLETED, True, None),
        (S.IN_PROGRESS, False, None),
        (S.PENDING_ADMIN_REVIEW, False, None),
        (S.TEST_DEPLOYED, False, None),
        (S.DEPLOYING, False, None),
        (S.DEPLOYED, False, None),
    ],
)
def test_the_status_decides_the_mode(
    status: PromotionStatus, is_hotfix: bool, mode: DeploymentMode | None
) -> None:
    assert mode_for(status, is_hotfix=is_hotfix) is mode


def member(component_id: str, latest: str | None, **fields: object) -> PublisherPackagedComponent:
    return PublisherPackagedComponent.model_validate(
        {"componentId": component_id, "latestVersion": latest, **fields}
    )


def test_a_release_lists_every_live_component_at_its_newest_version() -> None:
    pack = PublisherIntegrationPack(
        id="pack-1",
        name="Orders - TEST",
        components=[
            member("other", "3.0", currentVersion="2.0"),
            member("ours", "1.0", currentVersion="1.0"),
            member("removed", "9.0", deleted=True),
            member("never-packaged", None),
        ],
    )

    assert release_components(pack, {"ours": "2.0"}) == [("other", "3.0"), ("ours", "2.0")]


def test_a_release_lists_our_components_even_before_the_pack_shows_them() -> None:
    pack = PublisherIntegrationPack(id="pack-1", name="Orders")

    assert release_components(pack, {"ours": "1.0", "route": "1.0"}) == [
        ("ours", "1.0"),
        ("route", "1.0"),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Orders", "Orders - TEST"),
        ("Orders - TEST", "Orders - TEST"),
        ("  Orders  ", "Orders - TEST"),
    ],
)
def test_a_test_pack_name_carries_the_suffix_once(name: str, expected: str) -> None:
    assert with_test_suffix(name) == expected
    assert pack_purpose(expected) is PackPurpose.TEST


def test_a_name_without_the_suffix_is_a_production_pack() -> None:
    assert pack_purpose("Orders") is PackPurpose.PRODUCTION
    assert pack_purpose("Orders - TESTING") is PackPurpose.PRODUCTION


def test_segregation_compares_emails_case_insensitively() -> None:
    people = {
        "initiated it": "alice@example.com",
        "submitted it": None,
        "peer-reviewed it": "Bob@Example.com",
    }

    assert segregation_conflict("BOB@example.COM", people) == "peer-reviewed it"
    assert segregation_conflict(" alice@example.com ", people) == "initiated it"
    assert segregation_conflict("carol@example.com", people) is None


def test_promoted_components_come_from_the_written_results() -> None:
    detail = {
        "promotionResults": [
            {"devComponentId": "dev-root", "prodComponentId": "prod-root", "action": "UPDATED"},
            {"devComponentId": "dev-map", "prodComponentId": "prod-map", "action": "CREATED"},
            {"devComponentId": "dev-skip", "prodComponentId": "", "action": "SKIPPED"},
        ]
    }

    found = promoted_components(ResultDetail.parse(detail), "dev-root")

    assert found is not None
    assert found.prod_root_id == "prod-root"
    assert found.prod_ids_by_dev_id == {"dev-root": "prod-root", "dev-map": "prod-map"}
    assert found.dev_ids_of({"prod-map", "prod-elsewhere"}) == {"dev-map"}


def test_without_the_root_in_the_results_there_is_nothing_to_deploy() -> None:
    assert promoted_components(ResultDetail.parse({"promotionResults": []}), "dev-root") is None
    assert promoted_components(ResultDetail.parse(None), "dev-root") is None
