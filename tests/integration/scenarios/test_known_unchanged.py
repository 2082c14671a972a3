"""A component main is known to hold as a promotion would write it is UNCHANGED without reading
either document (engine.promoted_forms) — and only then: an edit on main, or on the review
branch before the merge, makes the next promotion read, compare and write it back."""

from __future__ import annotations

import pytest

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.deployment.support import (
    ERIN,
    body_of,
    deployed_to_test,
    record,
    to_production,
)
from tests.integration.promotion.support import (
    ALICE,
    BOB,
    CAROL,
    XML_HEADERS,
    count_component_reads,
    promote,
    revision_xml,
    team_a,
)
from tests.support.service import DemoService

PROFILE = "Customer JSON"
FIELD, EDITED = 'name="country"', 'name="countryOfResidence"'


async def edit_primary_component(
    service: DemoService, component_id: str, *, branch_id: str | None = None
) -> None:
    """Someone edits a prod component in Boomi (on main, or on a branch), outside the product."""
    ref = f"{component_id}~{branch_id}" if branch_id else component_id
    async with service.emulator.async_client(headers=XML_HEADERS) as boomi:
        current = await boomi.get(f"/Component/{ref}")
        current.raise_for_status()
        assert current.text.count(FIELD) == 1
        saved = await boomi.post(f"/Component/{ref}", content=current.text.replace(FIELD, EDITED))
        saved.raise_for_status()


def profile_ids(service: DemoService) -> tuple[str, str]:
    prior = service.seed.prior_promotion
    profile = next(c for c in prior.components if c.component_name == PROFILE)
    return profile.dev_component_id, profile.prod_component_id


async def repromote_and_expect_profile_written(
    service: DemoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev_id, prod_id = profile_ids(service)
    reads = count_component_reads(service.emulator.state, monkeypatch)

    body = body_of(await promote(service, service.seed.prior_promotion.dev_package_id))

    actions = {r["componentName"]: r["action"] for r in body["promotionResults"]}
    assert actions.pop(PROFILE) == "UPDATED", "the edited component is written back"
    assert set(actions.values()) == {"UNCHANGED"}
    # Only the edited component is read: its dev document and main's version of it.
    assert set(reads) == {
        (team_a(service), dev_id),
        (service.seed.primary_account_id, prod_id),
    }
    assert max(reads.values()) == 1


async def test_an_edit_on_main_is_compared_and_written_back(
    promo_service: DemoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    test_id = await deployed_to_test(promo_service)
    await to_production(promo_service, test_id, createNewPack=True, newPackName="Customer Sync")
    _, prod_id = profile_ids(promo_service)
    await edit_primary_component(promo_service, prod_id)

    await repromote_and_expect_profile_written(promo_service, monkeypatch)


async def test_an_edit_on_the_review_branch_is_not_taken_for_the_promoted_form(
    promo_service: DemoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    test_id = await deployed_to_test(promo_service)
    submitted = await promo_service.call(ALICE, "submitForPeerReview", {"promotionId": test_id})
    production_id = str(body_of(submitted)["promotionId"])
    branch_id = (await record(promo_service, production_id)).branch_id
    assert branch_id
    _, prod_id = profile_ids(promo_service)
    # Between review and merge someone changes the profile on the review branch: main gets
    # that edit, which is not the form the promotion wrote.
    await edit_primary_component(promo_service, prod_id, branch_id=branch_id)
    for email, action in ((BOB, "submitPeerReview"), (ERIN, "submitAdminReview")):
        body: dict[str, object] = {"promotionId": production_id, "decision": "APPROVED"}
        if action == "submitAdminReview":
            body.update(createNewPack=True, newPackName="Customer Sync")
        body_of(await promo_service.call(email, action, body))
    assert (await record(promo_service, production_id)).status == PromotionStatus.DEPLOYED

    await repromote_and_expect_profile_written(promo_service, monkeypatch)


async def test_a_remapped_connection_rewrites_what_uses_it(
    promo_service: DemoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form's key holds the prod ids its references become: pointing the dev connection at
    another shared connection changes the components that use it, which are written again."""
    test_id = await deployed_to_test(promo_service)
    await to_production(promo_service, test_id, createNewPack=True, newPackName="Customer Sync")
    prior = promo_service.seed.prior_promotion
    resolved = body_of(
        await promo_service.call(
            ALICE,
            "resolveDependencies",
            {"devAccountId": team_a(promo_service), "rootComponentId": prior.dev_root_component_id},
        )
    )
    [dev_connection] = [d for d in resolved["dependencies"] if d["isConnection"]]
    mappings = promo_service.seed.connection_mappings
    current = next(m for m in mappings if m.dev_component_id == dev_connection["componentId"])
    other = next(m for m in mappings if m.prod_component_id != current.prod_component_id)
    remapped = await promo_service.call(
        CAROL,
        "manageMappings",
        {
            "action": "update",
            "devAccountId": team_a(promo_service),
            "devComponentId": current.dev_component_id,
            "prodComponentId": other.prod_component_id,
            "componentName": dev_connection["componentName"],
            "componentType": "connector-settings",
        },
    )
    body_of(remapped)
    reads = count_component_reads(promo_service.emulator.state, monkeypatch)

    body = body_of(await promote(promo_service, prior.dev_package_id))

    actions = {r["componentName"]: r["action"] for r in body["promotionResults"]}
    written = {name for name, action in actions.items() if action == "UPDATED"}
    assert written, "a component using the connection is written with the new prod id"
    assert set(actions.values()) == {"UPDATED", "UNCHANGED"}
    assert max(reads.values()) == 1
    read_dev = {cid for account, cid in reads if account == team_a(promo_service)}
    assert len(read_dev) == len(written), "only what uses the connection is read"
    for result in body["promotionResults"]:
        if result["action"] == "UPDATED":
            xml = revision_xml(promo_service, result["prodComponentId"], result["version"])
            assert other.prod_component_id in xml
            assert current.prod_component_id not in xml
