"""The Admin lane's Releases page: per process, what Test and Production run now (package
version, pack, when, by whom, from which promotion), every release before, rolled-back ones
marked; and Roll back, which first shows what the rollback would release and asks for a reason.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from boomi_promo.actions.releases import ListReleasesResponse
from boomi_promo.actions.rollback import RollbackReleaseResponse
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.web import gateway
from boomi_promo.web.guards import Admin, container_of, verified_csrf
from boomi_promo.web.session import flash, take_flash
from boomi_promo.web.templating import render

RELEASES_PATH = "/admin/releases"
ENVIRONMENTS = ("TEST", "PRODUCTION")

router = APIRouter(include_in_schema=False)


async def _releases_page(
    request: Request, principal: Principal, *, process: str = "", error: str = ""
) -> Response:
    status_code = 200
    listed: ListReleasesResponse | None = None
    try:
        listed = await gateway.run(
            container_of(request),
            principal,
            "listReleases",
            {"processName": process},
            ListReleasesResponse,
        )
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    return render(
        request,
        "admin_releases.html",
        {
            "listed": listed,
            "process": process,
            "error": error,
            "notice": take_flash(request),
        },
        principal=principal,
        active="admin-releases",
        status_code=status_code,
    )


@router.get(RELEASES_PATH, name="admin_releases")
async def releases(request: Request, principal: Admin, process: str = "") -> Response:
    return await _releases_page(request, principal, process=process.strip())


def _rollback_body(process: str, environment: str, **extra: object) -> dict[str, object]:
    return {"processName": process, "environment": environment, **extra}


@router.get(f"{RELEASES_PATH}/rollback", name="rollback_preview")
async def rollback_preview(
    request: Request, principal: Admin, process: str = "", environment: str = ""
) -> Response:
    """What the rollback would release, with the form that runs it (a reason is required)."""
    environment = environment.strip().upper()
    try:
        preview = await gateway.run(
            container_of(request),
            principal,
            "rollbackRelease",
            _rollback_body(process.strip(), environment, dryRun=True),
            RollbackReleaseResponse,
        )
    except PromoError as exc:
        return await _releases_page(request, principal, process=process.strip(), error=exc.message)
    return render(
        request,
        "admin_rollback.html",
        {
            "preview": preview,
            "dev_versions": await _dev_versions(request, principal, preview),
            "reason": "",
            "reason_error": "",
        },
        principal=principal,
        active="admin-releases",
    )


async def _dev_versions(
    request: Request, principal: Principal, preview: RollbackReleaseResponse
) -> dict[str, str]:
    """Promotion id → the dev package version that names its change (the version story).

    The rollback preview names the two releases by promotion and Boomi's package version; the
    dev package versions come from the promotion records. A record the admin cannot read is
    left out: the page then shows Boomi's version alone.
    """
    versions: dict[str, str] = {}
    for promotion_id in (preview.current_promotion_id, preview.previous_promotion_id):
        if not promotion_id:
            continue
        try:
            found = await gateway.promotion(container_of(request), principal, promotion_id)
        except PromoError:
            continue
        if found is not None and found.dev_package_version:
            versions[promotion_id] = found.dev_package_version
    return versions


@router.post(f"{RELEASES_PATH}/rollback", dependencies=[Depends(verified_csrf)])
async def rollback(
    request: Request,
    principal: Admin,
    process: Annotated[str, Form()] = "",
    environment: Annotated[str, Form()] = "",
    expected_version: Annotated[str, Form(alias="expectedPackageVersion")] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    body = _rollback_body(
        process.strip(),
        environment.strip().upper(),
        expectedPackageVersion=expected_version.strip(),
        reason=reason.strip(),
    )
    container = container_of(request)
    if not reason.strip():
        preview = await gateway.run(
            container,
            principal,
            "rollbackRelease",
            {**body, "dryRun": True, "reason": ""},
            RollbackReleaseResponse,
        )
        return render(
            request,
            "admin_rollback.html",
            {
                "preview": preview,
                "dev_versions": await _dev_versions(request, principal, preview),
                "reason": "",
                "reason_error": "Say why you roll back: the reason stays in the audit trail.",
            },
            principal=principal,
            active="admin-releases",
            status_code=400,
        )
    try:
        done = await gateway.run(
            container, principal, "rollbackRelease", body, RollbackReleaseResponse
        )
    except PromoError as exc:
        return await _releases_page(request, principal, process=process.strip(), error=exc.message)
    package = f"{done.environment.title()} package"
    message = (
        f"Rolled back {done.process_name} in {done.environment.title()}: {package} "
        f"{done.previous_package_version} released again (was {package} "
        f"{done.current_package_version})."
    )
    if done.restore_promotion_id:
        message += (
            f" Main gets the old content back through promotion {done.restore_promotion_id}, "
            "waiting for peer review."
        )
    flash(request, message)
    return RedirectResponse(
        f"{RELEASES_PATH}?{urlencode({'process': done.process_name})}", status_code=303
    )
