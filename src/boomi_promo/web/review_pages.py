"""The Peer Review and Admin lanes: review queues, review pages with the XML diff viewer, the
admin's approval with its Integration Pack choice, and pack assignment for Test.

* **Peer Review Queue** (``/reviews``, queryPeerReviewQueue) never lists the caller's own
  promotions; **Peer Review Detail** (``/reviews/{id}``) shows the promotion, a hotfix's
  justification and each written component with a side-by-side diff of branch against main
  (generateComponentDiff, loaded when a component is opened), then Approve or Reject with
  comments (submitPeerReview).
* **Admin Approval Queue** (``/admin/approvals``, queryStatus at PENDING_ADMIN_REVIEW) and its
  detail page add the peer review's outcome, the hotfix acknowledgement and the production
  pack (and, for a hotfix, the test pack) from listIntegrationPacks, with the pack the
  process used before preselected. Approve starts submitAdminReview as a job and opens its
  live status page; Reject records the decision and deletes the branch.
* **Pack Assignment** (``/admin/packs``) finishes first test deployments that found no Test
  pack: the admin picks one, or names a new one, and packageAndDeploy mode 4 releases it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from boomi_promo.actions.reviews import PendingReviewItem
from boomi_promo.actions.status import PromotionItem
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.web import gateway
from boomi_promo.web.change_marks import ChangedFilter, changed_filter
from boomi_promo.web.guards import Admin, PeerReviewer, container_of, verified_csrf
from boomi_promo.web.messages import technical
from boomi_promo.web.package_list import parse_page
from boomi_promo.web.paging import PageView
from boomi_promo.web.session import flash, take_flash
from boomi_promo.web.templating import render, wants_fragment
from boomi_promo.web.workflow import (
    NEW_PACK,
    REVIEW_COMMENT_LIMIT,
    PackChoices,
    PackForm,
    ReviewedComponent,
    diff_view,
    reviewed_components,
    self_approval_sentence,
    self_review_sentence,
    status_sentence,
)

REVIEWS_PATH = "/reviews"
APPROVALS_PATH = "/admin/approvals"
PACKS_PATH = "/admin/packs"
REASON_TO_REJECT = (
    "Say why you reject it in Comments: the developer reads them to know what to change. "
    "Nothing was recorded."
)
QUEUE_LIMIT = 200
PACK_ASSIGNMENT_MODE = 4
TEST_PURPOSE = "TEST"
PRODUCTION_PURPOSE = "PRODUCTION"

router = APIRouter(include_in_schema=False)


def _problem(
    request: Request,
    principal: Principal,
    *,
    heading: str,
    message: str,
    details: str = "",
    status_code: int,
    back_url: str,
    back_label: str,
    active: str,
) -> Response:
    return render(
        request,
        "problem.html",
        {
            "heading": heading,
            "message": message,
            "back_url": back_url,
            "back_label": back_label,
            "details": details,
        },
        principal=principal,
        active=active,
        status_code=status_code,
    )


# ---------------------------------------------------------------------------- Peer Review lane

QUEUE_PAGE_SIZE = 25


@router.get(REVIEWS_PATH, name="peer_review_queue")
async def peer_review_queue(
    request: Request, principal: PeerReviewer, page: Annotated[str, Query()] = "1"
) -> Response:
    error, status_code = "", 200
    shown: PageView[PendingReviewItem] | None = None
    number = parse_page(page)
    try:
        found = await gateway.peer_review_queue(
            container_of(request), principal, page=number, page_size=QUEUE_PAGE_SIZE
        )
        shown = PageView(found.pending_reviews, found.total_count, number, QUEUE_PAGE_SIZE)
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    return render(
        request,
        "peer_review_queue.html",
        {
            "reviews": shown.items if shown else [],
            "page": shown,
            "error": error,
            "notice": take_flash(request),
        },
        principal=principal,
        active="peer-review-queue",
        status_code=status_code,
    )


async def _reviewed_promotion(
    request: Request, principal: Principal, promotion_id: str
) -> PromotionItem | None:
    """The promotion from the caller's queue, else as queryStatus shows it to them."""
    container = container_of(request)
    queue = await gateway.peer_review_queue(container, principal, promotion_id=promotion_id)
    queued = next(iter(queue.pending_reviews), None)
    if queued is not None:
        return queued
    return await gateway.promotion(container, principal, promotion_id)


def reviewed_changes(
    request: Request, promotion: PromotionItem
) -> ChangedFilter[ReviewedComponent]:
    """The components a reviewer may compare, all or only the changed ones."""
    return changed_filter(
        request,
        reviewed_components(promotion.promotion_results),
        lambda component: component.component_action,
    )


@router.get(REVIEWS_PATH + "/{promotion_id}", name="peer_review_detail")
async def peer_review_detail(
    request: Request, principal: PeerReviewer, promotion_id: str
) -> Response:
    back = {"back_url": REVIEWS_PATH, "back_label": "Back to the Peer Review Queue"}
    try:
        found = await _reviewed_promotion(request, principal, promotion_id)
    except PromoError as exc:
        return _problem(
            request,
            principal,
            heading="Peer review",
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
            active="peer-review-queue",
            **back,
        )
    if found is None:
        return _problem(
            request,
            principal,
            heading="Promotion not found",
            message=f"There is no promotion {promotion_id} that you may review.",
            status_code=404,
            active="peer-review-queue",
            **back,
        )
    return render(
        request,
        "peer_review_detail.html",
        {
            "promotion": found,
            "sentence": status_sentence(found),
            "changes": reviewed_changes(request, found),
            "refusal": self_review_sentence(found, principal),
            "comment_limit": REVIEW_COMMENT_LIMIT,
        },
        principal=principal,
        active="peer-review-queue",
    )


@router.post(REVIEWS_PATH + "/{promotion_id}", dependencies=[Depends(verified_csrf)])
async def peer_review_decision(
    request: Request,
    principal: PeerReviewer,
    promotion_id: str,
    decision: Annotated[str, Form()] = "",
    comments: Annotated[str, Form()] = "",
) -> Response:
    if decision == "REJECTED" and not comments.strip():
        return _problem(
            request,
            principal,
            heading="Review not recorded",
            message=REASON_TO_REJECT,
            status_code=400,
            back_url=f"{REVIEWS_PATH}/{promotion_id}",
            back_label="Back to the review",
            active="peer-review-queue",
        )
    try:
        decided = await gateway.submit_peer_review(
            container_of(request),
            principal,
            {
                "promotionId": promotion_id,
                "decision": decision,
                "comments": comments.strip() or None,
            },
        )
    except PromoError as exc:
        return _problem(
            request,
            principal,
            heading="Review not recorded",
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
            back_url=f"{REVIEWS_PATH}/{promotion_id}",
            back_label="Back to the review",
            active="peer-review-queue",
        )
    if decided.new_status == "PENDING_ADMIN_REVIEW":
        flash(request, "Approved: the promotion now waits for an admin's approval.")
    elif decided.branch_deleted:
        flash(request, "Rejected: the promotion ended and its branch was deleted.")
    else:
        flash(
            request,
            "Rejected: the promotion ended; its branch will be removed by the branch reconciler.",
        )
    return RedirectResponse(REVIEWS_PATH, status_code=303)


@router.get(REVIEWS_PATH + "/{promotion_id}/diff", name="component_diff")
async def component_diff(
    request: Request,
    principal: PeerReviewer,
    promotion_id: str,
    component: str = "",
    action: str = "",
    name: str = "",
) -> Response:
    """One component's diff: the fragment a review page opens, or a page of its own."""
    error, status_code = "", 200
    view = None
    try:
        view = diff_view(
            await gateway.component_diff(
                container_of(request), principal, promotion_id, component.strip(), action.strip()
            )
        )
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    template = "_diff.html" if wants_fragment(request) else "component_diff.html"
    return render(
        request,
        template,
        {"view": view, "error": error, "promotion_id": promotion_id, "name": name or component},
        principal=principal,
        active="peer-review-queue",
        status_code=status_code,
    )


# ---------------------------------------------------------------------------- Admin lane


@router.get(APPROVALS_PATH, name="admin_approvals")
async def admin_approvals(request: Request, principal: Admin) -> Response:
    error, status_code = "", 200
    found: list[PromotionItem] = []
    try:
        listing = await gateway.promotions(
            container_of(request),
            principal,
            {"reviewStage": "PENDING_ADMIN_REVIEW", "pageSize": QUEUE_LIMIT},
        )
        found = listing.promotions
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    return render(
        request,
        "admin_approvals.html",
        {"promotions": found, "error": error, "notice": take_flash(request)},
        principal=principal,
        active="admin-approvals",
        status_code=status_code,
    )


async def _approval_page(
    request: Request,
    principal: Principal,
    promotion_id: str,
    *,
    form: PackForm | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    back = {"back_url": APPROVALS_PATH, "back_label": "Back to the Admin Approval Queue"}
    container = container_of(request)
    try:
        found = await gateway.promotion(container, principal, promotion_id)
        if found is None:
            return _problem(
                request,
                principal,
                heading="Promotion not found",
                message=f"There is no promotion {promotion_id}.",
                status_code=404,
                active="admin-approvals",
                **back,
            )
        production = await _pack_choices(request, principal, PRODUCTION_PURPOSE, found)
        test = (
            await _pack_choices(request, principal, TEST_PURPOSE, found, optional=True)
            if found.is_hotfix
            else None
        )
    except PromoError as exc:
        return _problem(
            request,
            principal,
            heading="Admin approval",
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
            active="admin-approvals",
            **back,
        )
    return render(
        request,
        "admin_approval_detail.html",
        {
            "promotion": found,
            "sentence": status_sentence(found),
            "changes": reviewed_changes(request, found),
            "refusal": self_approval_sentence(found, principal),
            "production_packs": production,
            "test_packs": test,
            "form": form or PackForm(),
            "error": error,
            "comment_limit": REVIEW_COMMENT_LIMIT,
            "new_pack": NEW_PACK,
        },
        principal=principal,
        active="admin-approvals",
        status_code=status_code,
    )


async def _pack_choices(
    request: Request,
    principal: Principal,
    purpose: str,
    promotion: PromotionItem,
    *,
    optional: bool = False,
) -> PackChoices:
    packs = await gateway.integration_packs(
        container_of(request), principal, purpose, promotion.process_name
    )
    return PackChoices.of(purpose, packs, optional=optional)


@router.get(APPROVALS_PATH + "/{promotion_id}", name="admin_approval_detail")
async def admin_approval_detail(request: Request, principal: Admin, promotion_id: str) -> Response:
    return await _approval_page(request, principal, promotion_id)


@router.post(APPROVALS_PATH + "/{promotion_id}", dependencies=[Depends(verified_csrf)])
async def admin_decision(
    request: Request,
    principal: Admin,
    promotion_id: str,
    decision: Annotated[str, Form()] = "",
    comments: Annotated[str, Form()] = "",
    pack: Annotated[str, Form()] = "",
    new_pack_name: Annotated[str, Form()] = "",
    test_pack: Annotated[str, Form()] = "",
    new_test_pack_name: Annotated[str, Form()] = "",
    hotfix_acknowledged: Annotated[str, Form()] = "",
) -> Response:
    form = PackForm(
        pack=pack.strip(),
        new_pack_name=new_pack_name.strip(),
        test_pack=test_pack.strip(),
        new_test_pack_name=new_test_pack_name.strip(),
        comments=comments.strip(),
        hotfix_acknowledged=hotfix_acknowledged == "yes",
    )
    container = container_of(request)
    if decision == "REJECTED" and not form.comments:
        return _problem(
            request,
            principal,
            heading="Not rejected",
            message=REASON_TO_REJECT,
            status_code=400,
            back_url=f"{APPROVALS_PATH}/{promotion_id}",
            back_label="Back to the approval",
            active="admin-approvals",
        )
    try:
        if decision == "REJECTED":
            await gateway.reject_as_admin(
                container,
                principal,
                {"promotionId": promotion_id, "comments": form.comments or None},
            )
            flash(request, "Rejected: the promotion ended and its branch was deleted.")
            return RedirectResponse(APPROVALS_PATH, status_code=303)
        job_id = await gateway.submit_job(
            container,
            principal,
            gateway.SUBMIT_ADMIN_REVIEW,
            {"promotionId": promotion_id, "decision": "APPROVED", **form.approval_fields()},
        )
    except PromoError as exc:
        return await _approval_page(
            request,
            principal,
            promotion_id,
            form=form,
            error=exc.message,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get(PACKS_PATH, name="admin_pack_assignment")
async def pack_assignment(request: Request, principal: Admin) -> Response:
    return await _pack_assignment_page(request, principal)


async def _pack_assignment_page(
    request: Request,
    principal: Principal,
    *,
    failed: str = "",
    form: PackForm | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    container = container_of(request)
    rows: list[tuple[PromotionItem, PackChoices]] = []
    page_error = ""
    try:
        waiting = await gateway.promotions(
            container,
            principal,
            {"status": "PENDING_PACK_ASSIGNMENT", "pageSize": QUEUE_LIMIT},
        )
        for promotion in waiting.promotions:
            rows.append(
                (promotion, await _pack_choices(request, principal, TEST_PURPOSE, promotion))
            )
    except PromoError as exc:
        page_error = exc.message
        status_code = status_code if status_code != 200 else exc.status_code
    return render(
        request,
        "admin_pack_assignment.html",
        {
            "rows": rows,
            "page_error": page_error,
            "failed": failed,
            "form": form or PackForm(),
            "error": error,
            "new_pack": NEW_PACK,
            "notice": take_flash(request),
        },
        principal=principal,
        active="admin-packs",
        status_code=status_code,
    )


@router.post(PACKS_PATH + "/{promotion_id}", dependencies=[Depends(verified_csrf)])
async def assign_pack(
    request: Request,
    principal: Admin,
    promotion_id: str,
    pack: Annotated[str, Form()] = "",
    new_pack_name: Annotated[str, Form()] = "",
) -> Response:
    form = PackForm(pack=pack.strip(), new_pack_name=new_pack_name.strip())
    try:
        job_id = await gateway.submit_job(
            container_of(request),
            principal,
            gateway.PACKAGE_AND_DEPLOY,
            {
                "promotionId": promotion_id,
                "mode": PACK_ASSIGNMENT_MODE,
                **form.pack_fields(),
            },
        )
    except PromoError as exc:
        return await _pack_assignment_page(
            request,
            principal,
            failed=promotion_id,
            form=form,
            error=exc.message,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
