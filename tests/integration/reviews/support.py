"""Building promotions in the states the review workflow starts from, and reading them back.

``deployed_to_test`` runs a real executePromotion (C) and then does what packageAndDeploy
mode 1 would: packages the promoted root from the promotion branch (through the emulator's
API), deletes the branch and records TEST_DEPLOYED with the package — without depending on D.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import inspect

from boomi_promo.store import AuditEntry, PromotionLog
from tests.integration.emulator.boomi import package_body
from tests.integration.promotion.support import ALICE, promote, store_of
from tests.support.service import DemoService


@dataclass(frozen=True)
class Promoted:
    """A COMPLETED promotion of the demo's "Customer Sync" (prod components on main at v1)."""

    promotion_id: str
    branch_id: str
    branch_name: str
    root_prod_id: str
    root_version: int
    """The root's version written on the promotion branch (main still has the one before)."""


@dataclass(frozen=True)
class TestDeployment:
    __test__ = False  # a record of the set-up, not a pytest test class

    promotion_id: str
    package_id: str
    package_version: str
    root_prod_id: str
    root_version: int
    """The root's version the test package holds."""


async def completed(service: DemoService, email: str = ALICE) -> Promoted:
    response = await promote(service, service.seed.prior_promotion.dev_package_id, email)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    root_dev_id = service.seed.prior_promotion.dev_root_component_id
    root = next(r for r in body["promotionResults"] if r["devComponentId"] == root_dev_id)
    return Promoted(
        promotion_id=body["promotionId"],
        branch_id=body["branchId"],
        branch_name=body["branchName"],
        root_prod_id=root["prodComponentId"],
        root_version=root["version"],
    )


async def deployed_to_test(
    service: DemoService, email: str = ALICE, *, keep_branch: bool = False
) -> TestDeployment:
    """A TEST_DEPLOYED promotion as D mode 1 leaves it (``keep_branch``: its branch not deleted)."""
    promoted = await completed(service, email)
    with service.emulator.client() as boomi:
        packaged = boomi.post(
            "/PackagedComponent",
            json=package_body(
                promoted.root_prod_id,
                branchName=promoted.branch_name,
                shareable=True,
                notes="test deployment",
            ),
        )
        packaged.raise_for_status()
        if not keep_branch:
            boomi.delete(f"/Branch/{promoted.branch_id}").raise_for_status()
    package = packaged.json()
    await update_record(
        service,
        promoted.promotion_id,
        status="TEST_DEPLOYED",
        prod_package_id=package["packageId"],
        package_version=package["packageVersion"],
        branch_id=promoted.branch_id if keep_branch else None,
        test_deployed_at=datetime.now(UTC),
        test_integration_pack_id="pack-test-1",
        test_integration_pack_name="Customer Sync - TEST",
    )
    return TestDeployment(
        promotion_id=promoted.promotion_id,
        package_id=package["packageId"],
        package_version=package["packageVersion"],
        root_prod_id=promoted.root_prod_id,
        root_version=int(package["componentVersion"]),
    )


async def update_record(service: DemoService, promotion_id: str, **fields: Any) -> None:
    """Set fields of a stored promotion directly (a state another action would have written)."""
    async with store_of(service) as uow:
        log = await uow.promotions.get_for_update(promotion_id)
        assert log is not None
        for name, value in fields.items():
            setattr(log, name, value)
        await uow.promotions.update(log)
        await uow.commit()


async def add_record(service: DemoService, **fields: Any) -> PromotionLog:
    """Store a promotion with sensible defaults (team A, Customer Sync, alice, TEST)."""
    values: dict[str, Any] = {
        "promotion_id": str(uuid.uuid4()),
        "dev_account_id": service.seed.prior_promotion.dev_account_id,
        "prod_account_id": service.seed.primary_account_id,
        "dev_package_id": str(uuid.uuid4()),
        "root_component_id": service.seed.prior_promotion.dev_root_component_id,
        "process_name": "Customer Sync",
        "initiated_by": ALICE,
        "initiated_at": datetime.now(UTC),
        "status": "COMPLETED",
        "target_environment": "TEST",
        **fields,
    }
    log = PromotionLog(**values)
    async with store_of(service) as uow:
        await uow.promotions.add(log)
        await uow.commit()
    return log


async def record(service: DemoService, promotion_id: str) -> PromotionLog:
    async with store_of(service) as uow:
        log = await uow.promotions.get(promotion_id)
    assert log is not None
    return log


def columns(log: PromotionLog) -> dict[str, Any]:
    """Every stored field of a promotion, to compare before and after a refused call."""
    return {attr.key: getattr(log, attr.key) for attr in inspect(PromotionLog).column_attrs}


async def audit_of(service: DemoService, promotion_id: str) -> list[AuditEntry]:
    async with store_of(service) as uow:
        page = await uow.audit.list_entries(target_type="promotion", target_id=promotion_id)
    return page.items


async def production_records(service: DemoService, test_promotion_id: str) -> list[PromotionLog]:
    async with store_of(service) as uow:
        page = await uow.promotions.query(test_promotion_id=test_promotion_id)
    return page.items


def branch_is_live(service: DemoService, branch_id: str) -> bool:
    state = service.emulator.state
    with state.lock:
        branch = state.branches.get(branch_id)
        return branch is not None and not branch.deleted


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True
    return body


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert (body["success"], body["errorCode"]) == (False, code), body
    return body
