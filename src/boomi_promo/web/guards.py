"""Who may see a dashboard page, and the pages shown to those who may not.

Route dependencies raise the exceptions below; :func:`install_refusal_handlers` turns them
into responses: a redirect to sign-in, the "no access" page for users whose groups give no
tier, a 403 for a lane above the user's tier, a 403 for a form without a valid CSRF token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from fastapi import Depends, FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from boomi_promo.identity.principal import Principal, Tier
from boomi_promo.web.lanes import ADMIN, DEVELOPER, PEER_REVIEW, Lane
from boomi_promo.web.session import (
    CSRF_FORM_FIELD,
    CSRF_HEADER,
    csrf_matches,
    session_id,
    session_principal,
)
from boomi_promo.web.templating import render, wants_fragment

if TYPE_CHECKING:
    from boomi_promo.bootstrap import Container


class SignInRequired(Exception):
    """Nobody is signed in (or the session expired)."""


class NoProductAccess(Exception):
    """Signed in, but the user's groups give no tier that may use this product."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(principal.email)
        self.principal = principal


class LaneForbidden(Exception):
    """Signed in with a tier below the lane's."""

    def __init__(self, principal: Principal, lane: Lane) -> None:
        super().__init__(lane.key)
        self.principal = principal
        self.lane = lane


class CsrfRejected(Exception):
    """A form arrived without this session's CSRF token."""


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def signed_in(request: Request) -> Principal:
    """Dependency: the signed-in principal, whatever their tier (not after signing out)."""
    container = container_of(request)
    principal = session_principal(request, container.settings.groups)
    sid = session_id(request)
    if principal is None or sid is None or await container.signed_out.contains(sid):
        request.session.clear()
        raise SignInRequired
    return principal


async def product_user(request: Request) -> Principal:
    """Dependency: the signed-in principal, refused unless their tier may use the product."""
    principal = await signed_in(request)
    if principal.tier is Tier.READONLY:
        raise NoProductAccess(principal)
    return principal


def lane_member(lane: Lane) -> Callable[[Request], Awaitable[Principal]]:
    """Dependency factory: the signed-in principal, refused unless ``lane`` is open to them."""

    async def dependency(request: Request) -> Principal:
        principal = await product_user(request)
        if not lane.open_to(principal.tier):
            raise LaneForbidden(principal, lane)
        return principal

    return dependency


Developer = Annotated[Principal, Depends(lane_member(DEVELOPER))]
PeerReviewer = Annotated[Principal, Depends(lane_member(PEER_REVIEW))]
Admin = Annotated[Principal, Depends(lane_member(ADMIN))]


async def verified_csrf(request: Request) -> None:
    """Dependency for every POST: the form field (or htmx's header) carries the session token."""
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        field = form.get(CSRF_FORM_FIELD)
        submitted = field if isinstance(field, str) else None
    if not csrf_matches(request, submitted):
        raise CsrfRejected


def _sign_in_required(request: Request, exc: Exception) -> Response:
    if wants_fragment(request):
        # htmx would follow a redirect and put the sign-in page inside the fragment's target.
        return Response(status_code=401, headers={"HX-Redirect": "/login"})
    target = "/login"
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?" + urlencode({"next": here})
    return RedirectResponse(target, status_code=303)


def _no_product_access(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NoProductAccess)
    return render(
        request,
        "no_access.html",
        {"groups": container_of(request).settings.groups},
        principal=exc.principal,
        status_code=403,
    )


def _lane_forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LaneForbidden)
    return render(
        request,
        "forbidden.html",
        {"lane": exc.lane},
        principal=exc.principal,
        status_code=403,
    )


def _csrf_rejected(request: Request, exc: Exception) -> Response:
    principal = session_principal(request, container_of(request).settings.groups)
    return render(request, "csrf_rejected.html", principal=principal, status_code=403)


def install_refusal_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(NoProductAccess, _no_product_access)
    app.add_exception_handler(LaneForbidden, _lane_forbidden)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
