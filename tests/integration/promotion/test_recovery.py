"""compensate_interrupted_promotion: a promotion whose run died leaves no branch and ends FAILED."""

from __future__ import annotations

import uuid

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.lifecycle import compensate_interrupted_promotion
from boomi_promo.store import PromotionLog, UnitOfWorkFactory, create_engine
from tests.integration.promotion.support import ALICE, live_branch_ids, promote, team_a
from tests.support.service import DemoService

REASON = "interrupted: the service stopped while this promotion ran"


def boomi_for(service: DemoService) -> BoomiClient:
    seed = service.seed
    return BoomiClient(
        base_url=service.emulator_url,
        account_id=seed.primary_account_id,
        username=seed.username,
        api_token=seed.api_token,
    )


def create_branch(service: DemoService, name: str) -> str:
    with service.emulator.client() as boomi:
        response = boomi.post("/Branch", json={"name": name})
    response.raise_for_status()
    branch_id: str = response.json()["id"]
    return branch_id


async def interrupted_promotion(
    uow_factory: UnitOfWorkFactory,
    service: DemoService,
    promotion_id: str,
    *,
    branch_id: str | None,
) -> None:
    async with uow_factory() as uow:
        await uow.promotions.add(
            PromotionLog(
                promotion_id=promotion_id,
                dev_account_id=team_a(service),
                prod_account_id=service.seed.primary_account_id,
                dev_package_id=service.seed.full_tree_package_id,
                root_component_id=service.seed.full_tree_process_id,
                initiated_by=ALICE,
                status=PromotionStatus.IN_PROGRESS,
                target_environment="TEST",
                branch_id=branch_id,
                branch_name=f"promo-{promotion_id}",
            )
        )
        await uow.commit()


async def test_interrupted_promotion_is_failed_and_its_branch_deleted(
    promo_service: DemoService,
) -> None:
    engine = create_engine(promo_service.settings.resolved_database_url())
    uow_factory = UnitOfWorkFactory(engine)
    try:
        promotion_id = str(uuid.uuid4())
        branch_id = create_branch(promo_service, f"promo-{promotion_id}")
        await interrupted_promotion(uow_factory, promo_service, promotion_id, branch_id=branch_id)
        assert branch_id in live_branch_ids(promo_service)

        async with boomi_for(promo_service) as boomi:
            await compensate_interrupted_promotion(boomi, uow_factory, promotion_id, reason=REASON)
            await compensate_interrupted_promotion(
                boomi, uow_factory, promotion_id, reason="a second run changes nothing"
            )

        async with uow_factory() as uow:
            log = await uow.promotions.get(promotion_id)
            trail = await uow.audit.list_entries(target_id=promotion_id)
        assert log is not None
        assert log.status == PromotionStatus.FAILED
        assert log.error_message == REASON
        assert log.branch_id is None
        assert [(e.before_status, e.after_status) for e in trail.items] == [
            ("IN_PROGRESS", "FAILED")
        ]
        assert branch_id not in live_branch_ids(promo_service)
    finally:
        await engine.dispose()

    # The dev account is free again.
    response = await promote(promo_service, promo_service.seed.prior_promotion.dev_package_id)
    assert response.status_code == 200, response.text


async def test_a_branch_created_but_not_recorded_is_found_by_its_name(
    promo_service: DemoService,
) -> None:
    engine = create_engine(promo_service.settings.resolved_database_url())
    uow_factory = UnitOfWorkFactory(engine)
    try:
        promotion_id = str(uuid.uuid4())
        await interrupted_promotion(uow_factory, promo_service, promotion_id, branch_id=None)
        branch_id = create_branch(promo_service, f"promo-{promotion_id}")

        async with boomi_for(promo_service) as boomi:
            await compensate_interrupted_promotion(boomi, uow_factory, promotion_id, reason=REASON)

        async with uow_factory() as uow:
            log = await uow.promotions.get(promotion_id)
        assert log is not None
        assert log.status == PromotionStatus.FAILED
        assert branch_id not in live_branch_ids(promo_service)
    finally:
        await engine.dispose()
