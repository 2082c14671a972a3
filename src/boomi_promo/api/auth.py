"""The API's caller: a bearer token verified by the configured identity mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from boomi_promo.errors import NotAuthenticated, UpstreamFailure
from boomi_promo.identity.principal import Principal
from boomi_promo.identity.verification import AuthenticationError, IdentityProviderError

if TYPE_CHECKING:
    from boomi_promo.bootstrap import Container


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def api_principal(request: Request, container: Container) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise NotAuthenticated("Send 'Authorization: Bearer <token>' to call the API.")
    try:
        return await container.verifier.verify(token)
    except AuthenticationError as exc:
        raise NotAuthenticated(exc.message) from exc
    except IdentityProviderError as exc:
        raise UpstreamFailure(
            exc.message, error_code="IDENTITY_PROVIDER_UNAVAILABLE", status_code=503
        ) from exc
