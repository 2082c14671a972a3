"""What the dashboard keeps in its signed session cookie: the signed-in user and a CSRF token.

The cookie holds the principal's e-mail, name and groups, never a tier: the tier is resolved
from the groups on every request with the configured group names, so changing those names
takes effect without signing anybody out.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import Request

from boomi_promo.config import GroupSettings
from boomi_promo.identity.principal import Principal
from boomi_promo.store.sessions import SignedOutSessions

USER_KEY = "user"
SESSION_ID_KEY = "sid"
"""Names this sign-in, so that signing out can be remembered server-side (SignedOutSessions)."""
CSRF_KEY = "csrf"
FLASH_KEY = "flash"
"""One sentence for the next page shown: what a form that redirected has done."""
SIGN_IN_KEY = "sign_in"
"""OIDC state, nonce and where to go afterwards, for the one sign-in in flight."""
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = new_token()
        request.session[CSRF_KEY] = token
    return token


def csrf_matches(request: Request, submitted: str | None) -> bool:
    expected = request.session.get(CSRF_KEY)
    if not isinstance(expected, str) or not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def flash(request: Request, message: str) -> None:
    request.session[FLASH_KEY] = message


def take_flash(request: Request) -> str:
    message = request.session.pop(FLASH_KEY, "")
    return message if isinstance(message, str) else ""


def sign_in(request: Request, principal: Principal) -> None:
    """Start a fresh session for ``principal``; nothing from before sign-in carries over."""
    request.session.clear()
    request.session[USER_KEY] = {
        "email": principal.email,
        "name": principal.name,
        "groups": list(principal.groups),
    }
    request.session[SESSION_ID_KEY] = new_token()
    request.session[CSRF_KEY] = new_token()


def session_id(request: Request) -> str | None:
    value = request.session.get(SESSION_ID_KEY)
    return value if isinstance(value, str) and value else None


async def sign_out(request: Request, signed_out: SignedOutSessions) -> None:
    sid = session_id(request)
    if sid is not None:
        await signed_out.add(sid)
    request.session.clear()


def session_principal(request: Request, groups: GroupSettings) -> Principal | None:
    """The principal the session names, or None when nobody is (or the record is unusable).

    Whether the session was signed out since is :class:`SignedOutSessions`' to say.
    """
    if session_id(request) is None:
        return None
    stored: Any = request.session.get(USER_KEY)
    if not isinstance(stored, dict):
        return None
    email, name, user_groups = stored.get("email"), stored.get("name"), stored.get("groups")
    if not isinstance(email, str) or not email or not isinstance(name, str):
        return None
    if not isinstance(user_groups, list) or not all(isinstance(g, str) for g in user_groups):
        return None
    return Principal.from_groups(
        email=email, name=name or email, groups=user_groups, settings=groups
    )


def safe_next_path(value: str | None) -> str:
    """A local path to return to after sign-in; anything else (other hosts, schemes) goes home."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
