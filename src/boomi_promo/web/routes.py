"""The dashboard: server-rendered pages in three swimlanes, enhanced with htmx.

Every page works without script except for htmx's loading of the package list, and the
list's own URL (``/packages/list``) answers a full page when the browser asks for it directly.
The Promotion Review and Status pages live in :mod:`boomi_promo.web.promotion_pages`, the
Mapping Viewer in :mod:`boomi_promo.web.mapping_pages`, what follows a promotion (deployment,
readiness, release status) in :mod:`boomi_promo.web.deployment_pages` and the review queues
and approvals in :mod:`boomi_promo.web.review_pages`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from boomi_promo.actions.accounts import DevAccountItem
from boomi_promo.actions.packages import PackageItem
from boomi_promo.config import GroupSettings
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.store.sessions import SESSION_MAX_AGE_SECONDS
from boomi_promo.web import gateway
from boomi_promo.web.deployment_pages import router as deployment_router
from boomi_promo.web.extension_pages import router as extension_router
from boomi_promo.web.guards import (
    Developer,
    container_of,
    install_refusal_handlers,
    product_user,
)
from boomi_promo.web.map_extension_pages import router as map_extension_router
from boomi_promo.web.mapping_pages import router as mapping_router
from boomi_promo.web.metrics_pages import router as metrics_router
from boomi_promo.web.notification_pages import router as notification_router
from boomi_promo.web.package_list import (
    PackageListCache,
    cache_key,
    paginate,
    parse_page,
    search,
)
from boomi_promo.web.paging import PageView
from boomi_promo.web.promotion_list import router as promotion_list_router
from boomi_promo.web.promotion_pages import router as promotion_router
from boomi_promo.web.release_pages import router as release_router
from boomi_promo.web.review_pages import router as review_router
from boomi_promo.web.security import SecurityHeadersMiddleware
from boomi_promo.web.session import session_principal
from boomi_promo.web.setup_pages import router as setup_router
from boomi_promo.web.signin import router as signin_router
from boomi_promo.web.templating import STATIC_DIR, render, wants_fragment
from boomi_promo.web.work_counts import router as work_counts_router

SESSION_COOKIE = "promo_session"
PACKAGES_PATH = "/packages"
PACKAGE_LIST_PATH = "/packages/list"

router = APIRouter(include_in_schema=False)


def mount_dashboard(app: FastAPI, *, session_secret: str, public_url: str = "") -> None:
    """Add the dashboard's pages, static files, session cookie and security headers to ``app``.

    The session cookie is marked Secure when the service's public URL is https.
    """
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_SECONDS,
        same_site="lax",
        https_only=public_url.startswith("https://"),
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.package_list_cache = PackageListCache()
    install_refusal_handlers(app)
    app.include_router(signin_router)
    app.include_router(router)
    app.include_router(promotion_list_router)
    app.include_router(promotion_router)
    app.include_router(mapping_router)
    app.include_router(deployment_router)
    app.include_router(review_router)
    app.include_router(extension_router)
    app.include_router(map_extension_router)
    app.include_router(metrics_router)
    app.include_router(setup_router)
    app.include_router(work_counts_router)
    app.include_router(notification_router)
    app.include_router(release_router)


@router.get("/", name="home")
async def home(principal: Annotated[Principal, Depends(product_user)]) -> Response:
    return RedirectResponse(PACKAGES_PATH, status_code=303)


# --- Developer lane: Package Browser -------------------------------------------------------


@dataclass(frozen=True)
class PackageListing:
    """One view of a dev account's packages: a page of search results, or why there is none."""

    account_id: str
    query: str
    page: PageView[PackageItem] | None = None
    error: str = ""
    status_code: int = 200

    def url(self, path: str, page: int = 1, *, refresh: bool = False) -> str:
        params = {"account": self.account_id}
        if self.query:
            params["q"] = self.query
        if page > 1:
            params["page"] = str(page)
        if refresh:
            params["refresh"] = "1"
        return f"{path}?{urlencode(params)}"


@dataclass
class BrowserPage:
    """The Package Browser around the list: the account selector and the selected account."""

    accounts: list[DevAccountItem] = field(default_factory=list)
    selected: DevAccountItem | None = None
    error: str = ""
    status_code: int = 200


async def _browser_page(request: Request, principal: Principal, account_id: str) -> BrowserPage:
    try:
        accounts = await gateway.dev_accounts(container_of(request), principal)
    except PromoError as exc:
        return BrowserPage(error=exc.message, status_code=exc.status_code)
    page = BrowserPage(accounts=accounts)
    if not account_id:
        if len(accounts) == 1:
            page.selected = accounts[0]
        return page
    page.selected = next((a for a in accounts if a.account_id == account_id), None)
    if page.selected is None:
        page.error = (
            f"Your groups do not grant access to dev account '{account_id}'; "
            "choose one of your accounts."
        )
        page.status_code = 403
    return page


async def _package_listing(
    request: Request, principal: Principal, account_id: str, query: str, page: int, refresh: bool
) -> PackageListing:
    container = container_of(request)
    cache: PackageListCache = request.app.state.package_list_cache
    try:
        packages = await cache.get(
            cache_key(principal, account_id),
            lambda: gateway.dev_packages(container, principal, account_id),
            refresh=refresh,
        )
    except PromoError as exc:
        return PackageListing(account_id, query, error=exc.message, status_code=exc.status_code)
    return PackageListing(account_id, query, page=paginate(search(packages, query), page))


def _browser_response(
    request: Request,
    principal: Principal,
    browser: BrowserPage,
    query: str,
    listing: PackageListing | None,
    lazy_page: int = 1,
) -> Response:
    status_code = browser.status_code
    if listing is not None and status_code == 200:
        status_code = listing.status_code
    return render(
        request,
        "packages.html",
        {
            "browser": browser,
            "query": query,
            "listing": listing,
            "lazy_listing": PackageListing(
                browser.selected.account_id if browser.selected else "", query
            ),
            "lazy_page": lazy_page,
        },
        principal=principal,
        active="packages",
        status_code=status_code,
    )


@router.get(PACKAGES_PATH, name="packages")
async def package_browser(
    request: Request, principal: Developer, account: str = "", q: str = "", page: str = "1"
) -> Response:
    """The page; the list itself arrives through htmx from ``/packages/list``."""
    browser = await _browser_page(request, principal, account.strip())
    return _browser_response(
        request, principal, browser, q.strip(), listing=None, lazy_page=parse_page(page)
    )


@router.get(PACKAGE_LIST_PATH, name="package_list")
async def package_list(
    request: Request,
    principal: Developer,
    account: str = "",
    q: str = "",
    page: str = "1",
    refresh: str = "",
) -> Response:
    account_id, query = account.strip(), q.strip()
    if not wants_fragment(request):
        browser = await _browser_page(request, principal, account_id)
        listing = None
        if browser.selected is not None:
            listing = await _package_listing(
                request,
                principal,
                browser.selected.account_id,
                query,
                parse_page(page),
                refresh=bool(refresh),
            )
        return _browser_response(request, principal, browser, query, listing)
    if not account_id:
        listing = PackageListing("", query, error="Choose a dev account first.", status_code=400)
    else:
        listing = await _package_listing(
            request, principal, account_id, query, parse_page(page), refresh=bool(refresh)
        )
    headers = {}
    if listing.page is not None:
        # Keep the address bar on the page's own URL, so a reload shows the same page.
        headers["HX-Replace-Url"] = listing.url(PACKAGES_PATH, listing.page.number)
    return render(
        request,
        "_package_list.html",
        {"listing": listing},
        principal=principal,
        status_code=listing.status_code,
        headers=headers,
    )


# --- pages that do not exist -------------------------------------------------------------


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the JSON API, not a fragment or a script)."""
    path = request.url.path
    if path.startswith(("/api/", "/static/")) or path in ("/healthz", "/readyz", "/metrics"):
        return False
    return "text/html" in request.headers.get("accept", "")


def not_found_page(request: Request, groups: GroupSettings) -> Response:
    """An HTML 404 for a browser: the dashboard's frame when signed in, a way home either way."""
    principal = session_principal(request, groups)
    return render(
        request,
        "problem.html",
        {
            "heading": "Page not found",
            "message": f"There is no page at {request.url.path}. It may have moved, or the "
            "link may be wrong.",
            "back_url": "/",
            "back_label": "Go to the dashboard",
        },
        principal=principal,
        status_code=404,
    )


# --- Admin lane ----------------------------------------------------------------------------
