"""What waits on the person signed in, as counts beside the navigation's links.

Loaded by htmx once a page has been shown (``/nav/counts``), so no page waits for them: each
count replaces its placeholder in the navigation out of band. Admins see the approvals and
pack assignments waiting for them; everybody sees the peer reviews they may do and their own
promotions that were rejected or failed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from boomi_promo.actions.status import QueryStatusResponse
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal, Tier
from boomi_promo.web import gateway
from boomi_promo.web.guards import container_of, product_user
from boomi_promo.web.templating import render

router = APIRouter(include_in_schema=False)

NEEDS_THE_INITIATOR = (
    PromotionStatus.PEER_REJECTED,
    PromotionStatus.ADMIN_REJECTED,
    PromotionStatus.FAILED,
    PromotionStatus.TEST_DEPLOY_FAILED,
    PromotionStatus.DEPLOY_FAILED,
    PromotionStatus.DEPLOY_ABANDONED,
)
"""The initiator's promotions that stopped and need them: fix and promote again, or retry."""


async def _count(request: Request, principal: Principal, filters: dict[str, object]) -> int:
    found = await gateway.run(
        container_of(request),
        principal,
        "queryStatus",
        {**filters, "pageSize": 1},
        QueryStatusResponse,
    )
    return found.total_count


async def work_counts(request: Request, principal: Principal) -> dict[str, int]:
    """Navigation page key → how many items wait there for ``principal``."""
    counts: dict[str, int] = {}
    container = container_of(request)
    queue = await gateway.peer_review_queue(container, principal, page_size=1)
    counts["peer-review-queue"] = queue.total_count
    counts["my-promotions"] = await _count(
        request,
        principal,
        {"initiatedBy": principal.email, "statuses": [s.value for s in NEEDS_THE_INITIATOR]},
    )
    if principal.tier is Tier.ADMIN:
        counts["admin-approvals"] = await _count(
            request, principal, {"status": PromotionStatus.PENDING_ADMIN_REVIEW.value}
        )
        counts["admin-packs"] = await _count(
            request, principal, {"status": PromotionStatus.PENDING_PACK_ASSIGNMENT.value}
        )
    return counts


@router.get("/nav/counts", name="nav_counts")
async def nav_counts(
    request: Request, principal: Annotated[Principal, Depends(product_user)]
) -> Response:
    try:
        counts = await work_counts(request, principal)
    except PromoError:
        counts = {}  # the counts are a convenience: a failure leaves the placeholders empty
    return render(request, "_nav_counts.html", {"counts": counts}, principal=principal)
