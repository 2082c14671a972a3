"""The Developer lane after a promotion: My Promotions, Deployment Submission, Production
Readiness and the release status of what was released.

* **My Promotions** (``/promotions``) lists the caller's promotions (queryStatus) with where
  each stands, Withdraw for those waiting for a review, and the release status of those
  released, followed with htmx until it settles.
* **Deployment Submission** (``/promotions/{id}``) offers what the status allows: Deploy to
  Test (packageAndDeploy mode 1, a job followed on its status page), Emergency hotfix to
  Production (submitForPeerReview with a justification) and, once tested, Promote to
  Production (submitForPeerReview); also Withdraw, Cancel test deployment and, for an admin,
  Abandon a failed production deployment (abandonDeployment).
* **Production Readiness** (``/readiness``) lists tested deployments not yet on their way to
  production (queryTestDeployments), each with Promote to production.

Every form posts with the session's CSRF token; a refusal is shown as the action's sentence.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from boomi_promo.actions.status import PromotionItem
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.web import gateway
from boomi_promo.web.change_marks import changed_filter
from boomi_promo.web.change_rows import change_rows
from boomi_promo.web.guards import Admin, Developer, container_of, verified_csrf
from boomi_promo.web.messages import technical
from boomi_promo.web.promotion_list import promotion_history
from boomi_promo.web.session import flash, take_flash
from boomi_promo.web.templating import render
from boomi_promo.web.workflow import (
    DEPLOYMENT_NOTES_LIMIT,
    HOTFIX_JUSTIFICATION_LIMIT,
    REVIEW_COMMENT_LIMIT,
    PromotionChoices,
    release_view,
)

PROMOTIONS_PATH = "/promotions"
READINESS_PATH = "/readiness"
MY_PROMOTIONS_LIMIT = 50
"""The newest this many of the caller's promotions are listed."""
TEST_DEPLOYMENT_MODE = 1
TEST_DEPLOYED = "TEST_DEPLOYED"

router = APIRouter(include_in_schema=False)


def promotion_url(promotion_id: str) -> str:
    return f"{PROMOTIONS_PATH}/{promotion_id}"


def _problem(
    request: Request,
    principal: Principal,
    *,
    heading: str,
    message: str,
    details: str = "",
    status_code: int,
    back_url: str = PROMOTIONS_PATH,
    back_label: str = "Back to My Promotions",
    active: str = "my-promotions",
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


@router.get(PROMOTIONS_PATH, name="my_promotions")
async def my_promotions(request: Request, principal: Developer) -> Response:
    error, status_code = "", 200
    found: list[PromotionItem] = []
    total = 0
    ready: set[str] = set()
    try:
        listing = await gateway.promotions(
            container_of(request),
            principal,
            {"initiatedBy": principal.email, "pageSize": MY_PROMOTIONS_LIMIT},
        )
        found, total = listing.promotions, listing.total_count
        if any(p.status == TEST_DEPLOYED for p in found):
            ready = await _ready_for_production(request, principal)
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    return render(
        request,
        "my_promotions.html",
        {
            "rows": change_rows(found, principal, ready),
            "listed": len(found),
            "total": total,
            "error": error,
            "notice": take_flash(request),
            "comment_limit": REVIEW_COMMENT_LIMIT,
        },
        principal=principal,
        active="my-promotions",
        status_code=status_code,
    )


@router.get(PROMOTIONS_PATH + "/{promotion_id}", name="deployment_submission")
async def deployment_submission(
    request: Request, principal: Developer, promotion_id: str
) -> Response:
    try:
        found = await gateway.promotion(container_of(request), principal, promotion_id)
    except PromoError as exc:
        return _problem(
            request,
            principal,
            heading="Promotion",
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
        )
    if found is None:
        return _problem(
            request,
            principal,
            heading="Promotion not found",
            message=f"There is no promotion {promotion_id} that you may see.",
            status_code=404,
        )
    ready = True
    if found.status == TEST_DEPLOYED:
        try:
            ready = found.promotion_id in await _ready_for_production(request, principal)
        except PromoError as exc:
            return _problem(
                request,
                principal,
                heading="Promotion",
                message=exc.message,
                details=technical(exc),
                status_code=exc.status_code,
            )
    return render(
        request,
        "deployment_submission.html",
        {
            "promotion": found,
            "history": await promotion_history(request, principal, found.promotion_id),
            "choices": PromotionChoices(found, principal, ready_for_production=ready),
            "changes": changed_filter(
                request, found.promotion_results, lambda result: result.action
            ),
            "notice": take_flash(request),
            "justification_limit": HOTFIX_JUSTIFICATION_LIMIT,
            "notes_limit": DEPLOYMENT_NOTES_LIMIT,
            "comment_limit": REVIEW_COMMENT_LIMIT,
        },
        principal=principal,
        active="my-promotions",
    )


async def _ready_for_production(request: Request, principal: Principal) -> set[str]:
    """Ids of the tested deployments no production promotion has been made from yet."""
    tested = await gateway.test_deployments(container_of(request), principal)
    return {deployment.promotion_id for deployment in tested}


@router.post(PROMOTIONS_PATH + "/{promotion_id}/test", dependencies=[Depends(verified_csrf)])
async def deploy_to_test(request: Request, principal: Developer, promotion_id: str) -> Response:
    """packageAndDeploy mode 1 as a job; its status page follows the deployment live."""
    try:
        job_id = await gateway.submit_job(
            container_of(request),
            principal,
            gateway.PACKAGE_AND_DEPLOY,
            {"promotionId": promotion_id, "mode": TEST_DEPLOYMENT_MODE},
        )
    except PromoError as exc:
        return _refused(request, principal, promotion_id, "The deployment did not start", exc)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post(PROMOTIONS_PATH + "/{promotion_id}/hotfix", dependencies=[Depends(verified_csrf)])
async def submit_hotfix(
    request: Request,
    principal: Developer,
    promotion_id: str,
    justification: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    payload = {
        "promotionId": promotion_id,
        "isHotfix": True,
        "hotfixJustification": justification,
        "deploymentNotes": notes.strip() or None,
    }
    return await _submit_for_review(request, principal, promotion_id, payload)


@router.post(PROMOTIONS_PATH + "/{promotion_id}/production", dependencies=[Depends(verified_csrf)])
async def promote_to_production(
    request: Request,
    principal: Developer,
    promotion_id: str,
    notes: Annotated[str, Form()] = "",
) -> Response:
    payload = {
        "promotionId": promotion_id,
        "isHotfix": False,
        "deploymentNotes": notes.strip() or None,
    }
    return await _submit_for_review(request, principal, promotion_id, payload)


async def _submit_for_review(
    request: Request, principal: Principal, promotion_id: str, payload: dict[str, Any]
) -> Response:
    try:
        submitted = await gateway.submit_for_peer_review(container_of(request), principal, payload)
    except PromoError as exc:
        return _refused(request, principal, promotion_id, "Not submitted for review", exc)
    what = "The hotfix" if submitted.is_hotfix else "The production promotion"
    flash(
        request,
        f"{what} is waiting for a peer review; another contributor reviews it, then an admin.",
    )
    return RedirectResponse(promotion_url(submitted.promotion_id), status_code=303)


@router.post(PROMOTIONS_PATH + "/{promotion_id}/withdraw", dependencies=[Depends(verified_csrf)])
async def withdraw(
    request: Request,
    principal: Developer,
    promotion_id: str,
    reason: Annotated[str, Form()] = "",
) -> Response:
    if not reason.strip():
        return _needs_reason(request, principal, promotion_id, "Not withdrawn", "withdraw it")
    try:
        withdrawn = await gateway.withdraw_promotion(
            container_of(request),
            principal,
            {"promotionId": promotion_id, "reason": reason.strip() or None},
        )
    except PromoError as exc:
        return _refused(request, principal, promotion_id, "Not withdrawn", exc)
    flash(request, withdrawn.message or "The promotion was withdrawn.")
    return RedirectResponse(PROMOTIONS_PATH, status_code=303)


@router.post(PROMOTIONS_PATH + "/{promotion_id}/cancel", dependencies=[Depends(verified_csrf)])
async def cancel_test_deployment(
    request: Request,
    principal: Developer,
    promotion_id: str,
    reason: Annotated[str, Form()] = "",
) -> Response:
    if not reason.strip():
        return _needs_reason(request, principal, promotion_id, "Not cancelled", "cancel it")
    try:
        cancelled = await gateway.cancel_test_deployment(
            container_of(request), principal, promotion_id, reason=reason.strip()
        )
    except PromoError as exc:
        return _refused(request, principal, promotion_id, "Not cancelled", exc)
    flash(request, cancelled.message or "The test deployment was cancelled.")
    return RedirectResponse(PROMOTIONS_PATH, status_code=303)


@router.post(PROMOTIONS_PATH + "/{promotion_id}/abandon", dependencies=[Depends(verified_csrf)])
async def abandon_deployment(
    request: Request,
    principal: Admin,
    promotion_id: str,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """An admin gives up a failed production deployment."""
    if not reason.strip():
        return _needs_reason(request, principal, promotion_id, "Not abandoned", "abandon it")
    try:
        abandoned = await gateway.abandon_deployment(
            container_of(request), principal, promotion_id, reason=reason.strip()
        )
    except PromoError as exc:
        return _refused(request, principal, promotion_id, "Not abandoned", exc)
    flash(request, abandoned.message or "The failed deployment was abandoned.")
    return RedirectResponse(promotion_url(promotion_id), status_code=303)


def _needs_reason(
    request: Request, principal: Principal, promotion_id: str, heading: str, doing: str
) -> Response:
    return _problem(
        request,
        principal,
        heading=heading,
        message=f"Give a reason to {doing}: it stays in the promotion's history. "
        "Nothing was changed.",
        status_code=400,
        back_url=promotion_url(promotion_id),
        back_label="Back to the promotion",
    )


def _refused(
    request: Request, principal: Principal, promotion_id: str, heading: str, exc: PromoError
) -> Response:
    return _problem(
        request,
        principal,
        heading=heading,
        message=exc.message,
        details=technical(exc),
        status_code=exc.status_code,
        back_url=promotion_url(promotion_id),
        back_label="Back to the promotion",
    )


@router.get(PROMOTIONS_PATH + "/{promotion_id}/release", name="release_status")
async def release_status(request: Request, principal: Developer, promotion_id: str) -> Response:
    """The promotion's releases; while one is still in progress, the fragment polls itself."""
    error, status_code = "", 200
    releases = None
    try:
        releases = release_view(
            promotion_id,
            await gateway.release_status(container_of(request), principal, promotion_id),
        )
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    return render(
        request,
        "release_status.html",
        {"promotion_id": promotion_id, "releases": releases, "error": error},
        principal=principal,
        active="my-promotions",
        status_code=status_code,
    )


@router.get(READINESS_PATH, name="production_readiness")
async def production_readiness(request: Request, principal: Developer) -> Response:
    error, status_code = "", 200
    deployments = []
    try:
        deployments = await gateway.test_deployments(container_of(request), principal)
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    return render(
        request,
        "production_readiness.html",
        {"deployments": deployments, "error": error},
        principal=principal,
        active="production-readiness",
        status_code=status_code,
    )
