"""Helpers for the deployment tests: promotions in the states D and S start from.

Records that the review actions (R, E3) would produce are built here through the store, the
emulator's API and the engine's branch assembly, the way those actions leave them, so these
tests depend on D and S only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.models import Component
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.emulator.records import IntegrationPack, Release
from boomi_promo.engine.branches import assemble_branch
from boomi_promo.engine.continuity import review_sources
from tests.integration.promotion.support import ALICE, BOB, CAROL, promote, store_of
from tests.support.service import DemoService

ERIN = "erin@example.com"  # ADMIN
PROCESS = "Customer Sync"
"""The seed's process promoted (and deployed) before: its components are on main."""


def body_of(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def deploy(service: DemoService, email: str, **fields: Any) -> httpx.Response:
    return await service.call(email, "packageAndDeploy", fields)


async def admin_review(service: DemoService, email: str, **fields: Any) -> httpx.Response:
    return await service.call(email, "submitAdminReview", fields)


async def completed_promotion(
    service: DemoService, package_id: str | None = None, email: str = ALICE
) -> dict[str, Any]:
    """A real executePromotion (C): COMPLETED, with its branch ``promo-{id}``."""
    return body_of(
        await promote(service, package_id or service.seed.prior_promotion.dev_package_id, email)
    )


async def deployed_to_test(service: DemoService, pack_name: str = PROCESS) -> str:
    """A promotion taken to TEST_DEPLOYED: mode 1, then mode 4 into ``pack_name - TEST`` (made
    now, unless history already knows the pack)."""
    promotion_id = str((await completed_promotion(service))["promotionId"])
    first = body_of(await deploy(service, ALICE, promotionId=promotion_id))
    if first["needsPackAssignment"]:
        body_of(
            await deploy(
                service, CAROL, promotionId=promotion_id, createNewPack=True, newPackName=pack_name
            )
        )
    return promotion_id


async def record(service: DemoService, promotion_id: str) -> Any:
    async with store_of(service) as uow:
        found = await uow.promotions.get(promotion_id)
    assert found is not None
    return found


async def set_fields(service: DemoService, promotion_id: str, **fields: Any) -> None:
    """Write fields straight to the store, as another action would have."""
    async with store_of(service) as uow:
        promotion = await uow.promotions.get_for_update(promotion_id)
        assert promotion is not None
        for name, value in fields.items():
            setattr(promotion, name, value)
        await uow.promotions.update(promotion)
        await uow.commit()


def boomi_for(service: DemoService) -> BoomiClient:
    """A client of the emulator's primary account, as the service has it."""
    seed = service.seed
    return BoomiClient(
        base_url=service.emulator_url,
        account_id=seed.primary_account_id,
        username=seed.username,
        api_token=seed.api_token,
    )


async def production_record(
    service: DemoService, test_promotion_id: str, *, submitter: str = ALICE, peer: str = BOB
) -> str:
    """A PRODUCTION record as R and then E3 approve leave it: linked to the test promotion,
    with a review branch assembled from the test packages, PENDING_ADMIN_REVIEW."""
    test = await record(service, test_promotion_id)
    production_id = str(uuid.uuid4())
    async with boomi_for(service) as boomi:
        branch = await assemble_branch(
            boomi,
            service.settings.boomi,
            promotion_id=production_id,
            sources=review_sources(test),
            description="Production review",
        )
    now = datetime.now(UTC)
    async with store_of(service) as uow:
        await uow.promotions.add(
            type(test)(
                promotion_id=production_id,
                dev_account_id=test.dev_account_id,
                dev_account_name=test.dev_account_name,
                prod_account_id=test.prod_account_id,
                dev_package_id=test.dev_package_id,
                prod_package_id=test.prod_package_id,
                package_version=test.package_version,
                root_component_id=test.root_component_id,
                process_name=test.process_name,
                initiated_by=submitter,
                initiated_at=now,
                status=PromotionStatus.PENDING_ADMIN_REVIEW,
                target_environment="PRODUCTION",
                result_detail=test.result_detail,
                branch_id=branch.id,
                branch_name=branch.name,
                test_promotion_id=test.promotion_id,
                promoted_from_test_by=submitter,
                submitted_for_review_by=submitter,
                submitted_for_review_at=now,
                peer_review_status="PEER_APPROVED",
                peer_reviewed_by=peer,
                peer_reviewed_at=now,
            )
        )
        await uow.commit()
    return production_id


async def hotfix_record(
    service: DemoService, *, initiator: str = ALICE, peer: str = BOB
) -> dict[str, Any]:
    """A promotion C completed, sent as a hotfix (R) and peer-approved (E3): the C branch is
    kept for review, PENDING_ADMIN_REVIEW."""
    promoted = await completed_promotion(service, email=initiator)
    now = datetime.now(UTC)
    await set_fields(
        service,
        str(promoted["promotionId"]),
        status=PromotionStatus.PENDING_ADMIN_REVIEW,
        is_hotfix=True,
        hotfix_justification="Orders are lost at the month end",
        target_environment="PRODUCTION",
        submitted_for_review_by=initiator,
        submitted_for_review_at=now,
        peer_review_status="PEER_APPROVED",
        peer_reviewed_by=peer,
        peer_reviewed_at=now,
    )
    return promoted


def prod_ids(promotion_body: dict[str, Any]) -> dict[str, str]:
    """dev id → prod id of every component a C response says it wrote."""
    return {r["devComponentId"]: r["prodComponentId"] for r in promotion_body["promotionResults"]}


def emulator_pack(service: DemoService, pack_id: str) -> IntegrationPack:
    state = service.emulator.state
    with state.lock:
        return state.integration_packs[pack_id]


def releases_in_order(service: DemoService) -> list[Release]:
    state = service.emulator.state
    with state.lock:
        return list(state.releases.values())


def main_revision(service: DemoService, component_id: str) -> int | None:
    """The version main holds of a component, or ``None`` when main does not have it."""
    with service.emulator.client(headers={"Accept": "application/xml"}) as boomi:
        response = boomi.get(f"/Component/{component_id}")
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return Component.from_xml(response.content).version


def main_version(service: DemoService, component_id: str) -> int:
    version = main_revision(service, component_id)
    assert version is not None, f"{component_id} is not on main"
    return version


async def to_production(service: DemoService, test_id: str, **pack: Any) -> str:
    """R by alice, E3 by bob, S by erin: the test deployment DEPLOYED to production."""
    submitted = body_of(await service.call(ALICE, "submitForPeerReview", {"promotionId": test_id}))
    production_id = str(submitted["promotionId"])
    body_of(
        await service.call(
            BOB, "submitPeerReview", {"promotionId": production_id, "decision": "APPROVED"}
        )
    )
    body_of(
        await service.call(
            ERIN,
            "submitAdminReview",
            {"promotionId": production_id, "decision": "APPROVED", **pack},
        )
    )
    return production_id
