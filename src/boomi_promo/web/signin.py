"""Signing in and out of the dashboard.

``local`` identity mode (demo and tests) lists the demo users; choosing one signs in as them.
``oidc`` mode runs the authorization-code flow: ``/login`` sends the browser to the identity
provider with a fresh state and nonce kept in the session, ``/auth/callback`` checks the state,
trades the code for an ID token (whose nonce the verifier checks) and starts the session.
"""

from __future__ import annotations

import hmac
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from boomi_promo.config import IdentityMode
from boomi_promo.identity.local import demo_users
from boomi_promo.identity.oidc import OidcVerifier
from boomi_promo.identity.principal import Principal
from boomi_promo.identity.verification import AuthenticationError, IdentityProviderError
from boomi_promo.web.guards import container_of, verified_csrf
from boomi_promo.web.session import (
    SIGN_IN_KEY,
    new_token,
    safe_next_path,
    session_principal,
    sign_in,
    sign_out,
)
from boomi_promo.web.templating import render

CALLBACK_PATH = "/auth/callback"
_OAUTH_ERROR_CODE = re.compile(r"^[a-z_]{1,64}$")

router = APIRouter(include_in_schema=False)


def _oidc_verifier(request: Request) -> OidcVerifier:
    container = container_of(request)
    if isinstance(container.verifier, OidcVerifier):
        return container.verifier
    # One verifier per app, so the provider's signing keys are fetched once, not per sign-in.
    verifier: OidcVerifier | None = getattr(request.app.state, "dashboard_oidc_verifier", None)
    if verifier is None:
        verifier = OidcVerifier(container.settings.oidc, groups=container.settings.groups)
        request.app.state.dashboard_oidc_verifier = verifier
    return verifier


def _redirect_uri(request: Request) -> str:
    settings = container_of(request).settings
    if settings.oidc.redirect_url:
        return settings.oidc.redirect_url
    if settings.public_url:
        return settings.public_url.rstrip("/") + CALLBACK_PATH
    return str(request.url_for("auth_callback"))


def _sign_in_failed(request: Request, message: str, status_code: int) -> Response:
    return render(
        request,
        "sign_in_failed.html",
        {"message": message},
        principal=None,
        status_code=status_code,
    )


@router.get("/login", name="login")
async def login_page(
    request: Request, next_path: Annotated[str, Query(alias="next")] = "/"
) -> Response:
    container = container_of(request)
    next_path = safe_next_path(next_path)
    if container.settings.identity_mode is IdentityMode.OIDC:
        state, nonce = new_token(), new_token()
        request.session[SIGN_IN_KEY] = {"state": state, "nonce": nonce, "next": next_path}
        url = _oidc_verifier(request).authorization_url(state, nonce, _redirect_uri(request))
        return RedirectResponse(url, status_code=303)
    current = session_principal(request, container.settings.groups)
    return render(
        request,
        "login.html",
        {"demo_users": demo_users(container.settings.groups), "next": next_path},
        principal=current,
    )


@router.post("/login", dependencies=[Depends(verified_csrf)])
async def login_as_demo_user(
    request: Request,
    email: Annotated[str, Form()] = "",
    next_path: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    container = container_of(request)
    if container.settings.identity_mode is not IdentityMode.LOCAL:
        return _sign_in_failed(
            request, "Demo users exist only in local identity mode; sign in with your account.", 400
        )
    user = next(
        (u for u in demo_users(container.settings.groups) if u.email == email.strip().lower()), None
    )
    if user is None:
        return _sign_in_failed(request, "There is no demo user with that e-mail address.", 400)
    sign_in(
        request,
        Principal.from_groups(
            email=user.email, name=user.name, groups=user.groups, settings=container.settings.groups
        ),
    )
    return RedirectResponse(safe_next_path(next_path), status_code=303)


@router.get(CALLBACK_PATH, name="auth_callback")
async def auth_callback(
    request: Request, code: str = "", state: str = "", error: str = ""
) -> Response:
    pending: Any = request.session.pop(SIGN_IN_KEY, None)
    if error:
        # Only a well-formed OAuth error code is repeated; the provider's free text is not.
        reason = f" ({error})" if _OAUTH_ERROR_CODE.match(error) else ""
        return _sign_in_failed(request, f"The identity provider did not sign you in{reason}.", 401)
    if (
        not isinstance(pending, dict)
        or not isinstance(pending.get("state"), str)
        or not hmac.compare_digest(pending["state"].encode(), state.encode())
    ):
        return _sign_in_failed(
            request,
            "This sign-in answer does not belong to a sign-in started in this browser; "
            "start the sign-in again.",
            400,
        )
    if not code:
        return _sign_in_failed(request, "The identity provider sent no sign-in code.", 400)
    try:
        principal = await _oidc_verifier(request).exchange_code(
            code, _redirect_uri(request), str(pending.get("nonce", ""))
        )
    except AuthenticationError as exc:
        return _sign_in_failed(request, exc.message, 401)
    except IdentityProviderError as exc:
        return _sign_in_failed(request, exc.message, 503)
    sign_in(request, principal)
    return RedirectResponse(safe_next_path(str(pending.get("next", "/"))), status_code=303)


@router.post("/logout", dependencies=[Depends(verified_csrf)])
async def logout(request: Request) -> Response:
    await sign_out(request, container_of(request).signed_out)
    return RedirectResponse("/login", status_code=303)
