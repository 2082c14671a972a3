"""The Developer lane's Promotion Review and Promotion Status pages.

Review resolves the package's dependency tree (resolveDependencies) and offers Promote only
when nothing blocks it. Promote submits executePromotion as a job with the reviewed list of
components, so a tree that changed since is refused instead of promoted, and leads to the
job's status page. That page follows the job live through ``/jobs/{id}/events`` — the API's
job document as server-sent events, read by the dashboard's script — and shows the results.
Deployment jobs share the page (:mod:`boomi_promo.web.deployment_status`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from boomi_promo.actions.packages import PackageItem
from boomi_promo.actions.plan import PlanPromotionResponse
from boomi_promo.errors import NotFound, PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.jobs.runner import job_document
from boomi_promo.web import gateway
from boomi_promo.web.deployment_status import (
    DEPLOYMENT_ACTIONS,
    deployment_job,
    deployment_titles_json,
)
from boomi_promo.web.extension_copy_status import (
    EXTENSION_COPY_ACTIONS,
    copy_titles_json,
    extension_copy_job,
)
from boomi_promo.web.guards import Developer, container_of, verified_csrf
from boomi_promo.web.messages import technical
from boomi_promo.web.package_list import PackageListCache, cache_key
from boomi_promo.web.promotion_review import build_review
from boomi_promo.web.promotion_status import promotion_job, step_titles_json
from boomi_promo.web.templating import render, wants_fragment

REVIEW_PATH = "/promote"

router = APIRouter(include_in_schema=False)


def review_url(dev_account_id: str, package_id: str) -> str:
    return f"{REVIEW_PATH}?{urlencode({'account': dev_account_id, 'package': package_id})}"


def _problem(
    request: Request,
    principal: Principal,
    *,
    heading: str,
    message: str,
    details: str = "",
    status_code: int,
    back_url: str = "/packages",
    back_label: str = "Back to the Package Browser",
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
        active="packages",
        status_code=status_code,
    )


async def _package(
    request: Request, principal: Principal, dev_account_id: str, package_id: str
) -> PackageItem | None:
    """The package from the account's listing (the Package Browser's, when still fresh).

    A package missing from a cached listing may be newer than it, so the listing is loaded
    afresh once before the package counts as not found.
    """
    container = container_of(request)
    cache: PackageListCache = request.app.state.package_list_cache
    for refresh in (False, True):
        packages = await cache.get(
            cache_key(principal, dev_account_id),
            lambda: gateway.dev_packages(container, principal, dev_account_id),
            refresh=refresh,
        )
        found = next((p for p in packages if p.package_id == package_id), None)
        if found is not None:
            return found
    return None


@router.get(REVIEW_PATH, name="promotion_review")
async def promotion_review(
    request: Request, principal: Developer, account: str = "", package: str = ""
) -> Response:
    account_id, package_id = account.strip(), package.strip()
    if not account_id or not package_id:
        return _problem(
            request,
            principal,
            heading="Choose a package",
            message="Choose a package in the Package Browser and select Review to see its tree.",
            status_code=400,
        )
    retry = {"back_url": review_url(account_id, package_id), "back_label": "Try again"}
    try:
        found = await _package(request, principal, account_id, package_id)
    except PromoError as exc:
        return _problem(
            request,
            principal,
            heading="Promotion Review",
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
            **(retry if exc.status_code >= 500 else {}),
        )
    if found is None:
        return _problem(
            request,
            principal,
            heading="Package not found",
            message=(
                f"Dev account {account_id} has no package {package_id}; it may have been "
                "deleted. Choose a package in the Package Browser."
            ),
            status_code=404,
        )
    try:
        tree = await gateway.resolve_dependencies(
            container_of(request), principal, account_id, found.component_id
        )
    except PromoError as exc:
        return _problem(
            request,
            principal,
            heading=f"Review of {found.component_name}",
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
            **(retry if exc.status_code >= 500 else {}),
        )
    return render(
        request,
        "promotion_review.html",
        {"review": build_review(found, account_id, tree)},
        principal=principal,
        active="packages",
    )


@router.get(REVIEW_PATH + "/plan", name="promotion_plan")
async def promotion_plan(
    request: Request, principal: Developer, account: str = "", package: str = ""
) -> Response:
    """planPromotion's dry run for the review page (a fragment for htmx, else a whole page)."""
    error, status_code = "", 200
    plan: PlanPromotionResponse | None = None
    try:
        plan = await gateway.run(
            container_of(request),
            principal,
            "planPromotion",
            {"devAccountId": account.strip(), "devPackageId": package.strip()},
            PlanPromotionResponse,
        )
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    return render(
        request,
        "promotion_plan.html",
        {
            "plan": plan,
            "error": error,
            "back_url": review_url(account.strip(), package.strip()),
        },
        principal=principal,
        active="packages",
        status_code=status_code,
    )


@router.post(REVIEW_PATH, dependencies=[Depends(verified_csrf)])
async def promote(
    request: Request,
    principal: Developer,
    account: Annotated[str, Form()] = "",
    package: Annotated[str, Form()] = "",
    root: Annotated[str, Form()] = "",
    process_name: Annotated[str, Form()] = "",
    component: Annotated[list[str] | None, Form()] = None,
) -> Response:
    payload: dict[str, Any] = {
        "devAccountId": account.strip(),
        "devPackageId": package.strip(),
        "rootComponentId": root.strip() or None,
        "components": [{"componentId": cid} for cid in component or [] if cid.strip()] or None,
        "promotionMetadata": {"processName": process_name.strip()},
    }
    try:
        job_id = await gateway.submit_promotion(container_of(request), principal, payload)
    except PromoError as exc:
        back = {}
        if account.strip() and package.strip():
            back = {
                "back_url": review_url(account.strip(), package.strip()),
                "back_label": "Back to the review",
            }
        return _problem(
            request,
            principal,
            heading="The promotion did not start",
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
            **back,
        )
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}", name="promotion_status")
async def promotion_status(request: Request, principal: Developer, job_id: str) -> Response:
    try:
        job = await gateway.job(container_of(request), principal, job_id)
    except NotFound:
        return _problem(
            request,
            principal,
            heading="Promotion not found",
            message=f"There is no promotion job {job_id} that you may see.",
            status_code=404,
        )
    if job.action in EXTENSION_COPY_ACTIONS:
        template = (
            "_extension_copy_job.html" if wants_fragment(request) else "extension_copy_status.html"
        )
        return render(
            request,
            template,
            {"job": extension_copy_job(job), "step_titles": copy_titles_json()},
            principal=principal,
            active="extensions",
        )
    if job.action in DEPLOYMENT_ACTIONS:
        template = "_deployment_job.html" if wants_fragment(request) else "deployment_status.html"
        return render(
            request,
            template,
            {"job": deployment_job(job), "step_titles": deployment_titles_json()},
            principal=principal,
            active="my-promotions",
        )
    template = "_job_status.html" if wants_fragment(request) else "promotion_status.html"
    return render(
        request,
        template,
        {"job": promotion_job(job), "step_titles": step_titles_json()},
        principal=principal,
        active="packages",
    )


def sse_event(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@router.get("/jobs/{job_id}/events", name="promotion_events")
async def promotion_events(request: Request, principal: Developer, job_id: str) -> Response:
    """The job document each time it changes, as the API's event stream sends it."""
    container = container_of(request)
    try:
        await gateway.job(container, principal, job_id)
    except NotFound as exc:
        return Response(exc.message, status_code=404, media_type="text/plain")

    async def stream() -> AsyncIterator[str]:
        async for job in gateway.watch_job(container, principal, job_id):
            yield sse_event("done" if job.state.finished else "progress", job_document(job))

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
