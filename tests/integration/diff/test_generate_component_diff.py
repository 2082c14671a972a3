"""G generateComponentDiff over HTTP: a promotion's branch against main, as a reviewer sees it."""

from __future__ import annotations

from typing import Any

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.emulator.seed.team_a import PRIOR_DESCRIPTIONS
from boomi_promo.store import PromotionLog
from tests.integration.promotion.support import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    promote,
    read_on_branch,
    store_of,
    team_a,
)
from tests.support.service import DemoService

OLIVIA = "olivia@example.com"  # READONLY
XML = {"Accept": "application/xml", "Content-Type": "application/xml"}


async def promoted(service: DemoService, package_id: str, email: str = ALICE) -> dict[str, Any]:
    response = await promote(service, package_id, email)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def edit_dev_component(service: DemoService, component_id: str, old: str, new: str) -> None:
    """Change a dev component through the emulator's API, as a developer saving it would."""
    params = {"overrideAccount": team_a(service)}
    async with service.emulator.async_client(headers=XML) as boomi:
        current = await boomi.get(f"/Component/{component_id}", params=params)
        current.raise_for_status()
        assert current.text.count(old) == 1
        saved = await boomi.post(
            f"/Component/{component_id}", params=params, content=current.text.replace(old, new)
        )
        saved.raise_for_status()


async def component_diff(service: DemoService, email: str, **body: Any) -> dict[str, Any]:
    response = await service.call(email, "generateComponentDiff", body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    assert result["success"] is True
    return result


def changes(diff: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """The rows that differ, but the description: the seed's dev components were described
    after their release (PRIOR_DESCRIPTIONS), so every one differs there from main."""
    return [
        (r["kind"], r["left"], r["right"])
        for r in diff["rows"]
        if r["kind"] != "same" and not is_description(r)
    ]


def is_description(row: dict[str, Any]) -> bool:
    return "<bns:description>" in (row["left"] or "") + (row["right"] or "")


async def test_the_diff_shows_exactly_the_change_made_in_dev(promo_service: DemoService) -> None:
    prior = promo_service.seed.prior_promotion
    profile = next(c for c in prior.components if c.component_name == "Customer JSON")
    await edit_dev_component(
        promo_service, profile.dev_component_id, 'name="country"', 'name="countryCode"'
    )
    promotion = await promoted(promo_service, prior.dev_package_id)

    result = await component_diff(
        promo_service,
        BOB,
        promotionId=promotion["promotionId"],
        prodComponentId=profile.prod_component_id,
        componentName="Customer JSON",
        componentAction="UPDATE",
    )

    assert result["componentAction"] == "UPDATE"
    assert (result["mainVersion"], result["branchVersion"]) == (1, 2)
    assert result["branchId"] == promotion["branchId"]
    diff = result["diff"]
    assert diff["summary"] == {"added": 0, "removed": 0, "changed": 2}, "and the description"
    [(kind, left, right)] = changes(diff)
    assert kind == "changed"
    assert left is not None and right is not None
    assert left.replace('name="country"', 'name="countryCode"') == right
    assert left.startswith(" " * 12 + "<JSONObjectEntry "), "the rows keep the indentation"
    changed = [
        line
        for hunk in diff["hunks"]
        for line in hunk["lines"]
        if line["type"] != "context" and "<bns:description>" not in line["text"]
    ]
    assert [(line["type"], line["text"]) for line in changed] == [
        ("removed", left),
        ("added", right),
    ]
    assert 'name="countryCode"' not in result["mainXml"]
    assert 'name="countryCode"' in result["branchXml"]
    assert 'version="' not in result["branchXml"], "read metadata is normalised away"
    assert diff["truncated"] is False


async def test_each_update_shows_only_what_changed_in_dev_since_the_release(
    promo_service: DemoService,
) -> None:
    prior = promo_service.seed.prior_promotion
    promotion = await promoted(promo_service, prior.dev_package_id)

    for component in prior.components:
        result = await component_diff(
            promo_service,
            ALICE,
            promotionId=promotion["promotionId"],
            prodComponentId=component.prod_component_id,
        )

        assert result["componentAction"] == "UPDATE"
        assert result["componentName"] == component.component_name
        assert (result["mainVersion"], result["branchVersion"]) == (1, 2)
        rows = [r for r in result["diff"]["rows"] if r["kind"] != "same"]
        assert [r["kind"] for r in rows] == ["changed"], f"{component.component_name} differs"
        assert PRIOR_DESCRIPTIONS[component.component_name] in rows[0]["right"]


async def test_a_created_component_has_an_empty_main_side(promo_service: DemoService) -> None:
    promotion = await promoted(promo_service, promo_service.seed.full_tree_package_id)
    created = next(r for r in promotion["promotionResults"] if r["componentName"] == "Order JSON")

    result = await component_diff(
        promo_service,
        BOB,
        promotionId=promotion["promotionId"],
        prodComponentId=created["prodComponentId"],
        componentAction="CREATE",
    )

    assert (result["mainXml"], result["mainVersion"]) == ("", 0)
    assert result["branchVersion"] == 1
    branch_lines = result["branchXml"].splitlines()
    assert 'name="Order JSON"' in branch_lines[0]
    diff = result["diff"]
    assert diff["summary"] == {"added": len(branch_lines), "removed": 0, "changed": 0}
    [hunk] = diff["hunks"]
    assert (hunk["oldStart"], hunk["oldLines"], hunk["newLines"]) == (0, 0, len(branch_lines))
    assert all(row["left"] is None and row["kind"] == "added" for row in diff["rows"])


async def test_without_an_action_the_main_side_decides(promo_service: DemoService) -> None:
    promotion = await promoted(promo_service, promo_service.seed.full_tree_package_id)
    created = promotion["promotionResults"][0]["prodComponentId"]

    inferred = await component_diff(
        promo_service, ALICE, promotionId=promotion["promotionId"], prodComponentId=created
    )
    asked_update = await promo_service.call(
        ALICE,
        "generateComponentDiff",
        {
            "promotionId": promotion["promotionId"],
            "prodComponentId": created,
            "componentAction": "UPDATE",
        },
    )

    assert (inferred["componentAction"], inferred["mainXml"]) == ("CREATE", "")
    assert asked_update.status_code == 404
    assert asked_update.json()["errorCode"] == "COMPONENT_NOT_FOUND"
    assert asked_update.json()["side"] == "main"


async def test_the_reference_profile_form_names_the_branch(promo_service: DemoService) -> None:
    prior = promo_service.seed.prior_promotion
    promotion = await promoted(promo_service, prior.dev_package_id)
    root = prior.prod_root_component_id

    result = await component_diff(
        promo_service,
        CAROL,
        branchId=promotion["branchId"],
        prodComponentId=root,
        componentName="Customer Sync",
        componentAction="UPDATE",
    )
    mismatched = await promo_service.call(
        CAROL,
        "generateComponentDiff",
        {"promotionId": promotion["promotionId"], "branchId": "Qjo5OTk", "prodComponentId": root},
    )

    assert result["promotionId"] == promotion["promotionId"]
    assert (
        result["branchVersion"]
        == read_on_branch(promo_service, root, promotion["branchId"]).version
    )
    assert mismatched.status_code == 400
    assert mismatched.json()["errorField"] == "branchId"


async def test_a_production_review_diffs_what_its_test_promotion_wrote(
    promo_service: DemoService,
) -> None:
    prior = promo_service.seed.prior_promotion
    tested = await promoted(promo_service, prior.dev_package_id)
    async with store_of(promo_service) as uow:
        test_record = await uow.promotions.get(tested["promotionId"])
        assert test_record is not None
        # The PRODUCTION record submitForPeerReview creates: no results of its own, a review
        # branch holding what the test promotion wrote.
        production = await uow.promotions.add(
            PromotionLog(
                dev_account_id=test_record.dev_account_id,
                prod_account_id=test_record.prod_account_id,
                dev_package_id=test_record.dev_package_id,
                root_component_id=test_record.root_component_id,
                initiated_by=ALICE,
                status=PromotionStatus.PENDING_PEER_REVIEW,
                target_environment="PRODUCTION",
                test_promotion_id=test_record.promotion_id,
                branch_id=tested["branchId"],
            )
        )
        production_id = production.promotion_id
        await uow.commit()

    result = await component_diff(
        promo_service,
        BOB,
        promotionId=production_id,
        prodComponentId=prior.prod_root_component_id,
    )
    # Waiting for peer review, it is in every contributor's queue: another team reviews it too.
    from_team_b = await component_diff(
        promo_service,
        DAVE,
        promotionId=production_id,
        prodComponentId=prior.prod_root_component_id,
    )

    assert result["componentName"] == "Customer Sync"
    assert result["componentAction"] == "UPDATE"
    assert changes(result["diff"]) == [], "only the description changed since the release"
    assert result["diff"]["summary"]["changed"] == 1
    assert from_team_b["diff"] == result["diff"]


async def test_another_teams_promotion_is_not_found(promo_service: DemoService) -> None:
    prior = promo_service.seed.prior_promotion
    promotion = await promoted(promo_service, prior.dev_package_id)
    body = {
        "promotionId": promotion["promotionId"],
        "prodComponentId": prior.prod_root_component_id,
    }

    as_team_b = await promo_service.call(DAVE, "generateComponentDiff", body)
    by_branch = await promo_service.call(
        DAVE,
        "generateComponentDiff",
        {**body, "promotionId": None, "branchId": promotion["branchId"]},
    )
    as_readonly = await promo_service.call(OLIVIA, "generateComponentDiff", body)

    assert as_team_b.status_code == 404
    assert as_team_b.json()["errorCode"] == "PROMOTION_NOT_FOUND"
    assert "branchXml" not in as_team_b.json()
    assert by_branch.status_code == 404
    assert by_branch.json()["errorField"] == "branchId"
    assert as_readonly.status_code == 403
    assert as_readonly.json()["errorCode"] == "INSUFFICIENT_TIER"


async def test_unknown_promotions_and_components_are_404(promo_service: DemoService) -> None:
    prior = promo_service.seed.prior_promotion
    promotion = await promoted(promo_service, prior.dev_package_id)
    team_b_connection = promo_service.seed.connection_mappings[0].prod_component_id

    unknown = await promo_service.call(
        ALICE,
        "generateComponentDiff",
        {"promotionId": "00000000-0000-4000-8000-000000000000", "prodComponentId": "x"},
    )
    not_written = await promo_service.call(
        ALICE,
        "generateComponentDiff",
        {"promotionId": promotion["promotionId"], "prodComponentId": team_b_connection},
    )
    unknown_branch = await promo_service.call(
        ALICE, "generateComponentDiff", {"branchId": "Qjo5OTk", "prodComponentId": "x"}
    )
    neither = await promo_service.call(ALICE, "generateComponentDiff", {"prodComponentId": "x"})

    assert (unknown.status_code, unknown.json()["errorCode"]) == (404, "PROMOTION_NOT_FOUND")
    assert (not_written.status_code, not_written.json()["errorCode"]) == (
        404,
        "COMPONENT_NOT_FOUND",
    )
    assert (unknown_branch.status_code, unknown_branch.json()["errorCode"]) == (
        404,
        "BRANCH_NOT_FOUND",
    )
    assert (neither.status_code, neither.json()["errorCode"]) == (400, "INVALID_REQUEST")


async def test_a_promotion_without_a_branch_has_nothing_to_compare(
    promo_service: DemoService,
) -> None:
    seed = promo_service.seed
    first = await promoted(promo_service, seed.full_tree_package_id)
    await promoted(promo_service, seed.full_tree_package_id, email=BOB)  # supersedes the first

    response = await promo_service.call(
        ALICE,
        "generateComponentDiff",
        {
            "promotionId": first["promotionId"],
            "prodComponentId": first["promotionResults"][0]["prodComponentId"],
        },
    )

    assert response.status_code == 409
    body = response.json()
    assert body["errorCode"] == "BRANCH_NOT_AVAILABLE"
    assert body["status"] == "SUPERSEDED"
