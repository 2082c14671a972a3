"""The service: JSON API, dashboard and health endpoints in one ASGI app (composed here, so
the API and the dashboard never import each other)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from boomi_promo import __version__
from boomi_promo.actions.catalog import all_actions
from boomi_promo.api.endpoints import build_router, promo_error_response
from boomi_promo.api.limits import BodySizeLimitMiddleware
from boomi_promo.bootstrap import Container, bootstrap, resolve_session_secret
from boomi_promo.config import Settings
from boomi_promo.errors import InvalidRequest, PromoError
from boomi_promo.logging import REQUEST_ID_HEADER, request_id_from
from boomi_promo.web.routes import mount_dashboard, not_found_page, wants_page

log = structlog.get_logger("boomi_promo.api")


def _openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the request profiles, which the action routes read themselves."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title="boomi-promo", version=__version__, routes=app.routes, description=app.description
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for spec in all_actions():
        schema = spec.request_model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, nested in schema.pop("$defs", {}).items():
            schemas.setdefault(name, nested)
        schemas[spec.request_model.__name__] = schema
    app.openapi_schema = document
    return document


class RequestIdMiddleware:
    """Every HTTP request gets an id: on each log line written while it runs, and in the response.

    The caller's ``X-Request-ID`` is kept when it is a plain token, so a proxy's id joins up.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(REQUEST_ID_HEADER))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> FastAPI:
    """Build the service. A given container (tests, the demo) is used as is, not closed here."""
    if container is not None:
        settings = container.settings
        session_secret = container.session_secret
    else:
        settings = settings or Settings()
        session_secret = resolve_session_secret(settings)
    resolved_settings = settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if container is not None:
            app.state.container = container
            await container.jobs.start()
            try:
                yield
            finally:
                await container.jobs.aclose()
            return
        owned = await bootstrap(resolved_settings)
        app.state.container = owned
        await owned.jobs.start()
        try:
            yield
        finally:
            await owned.aclose()

    app = FastAPI(
        title="boomi-promo",
        version=__version__,
        description="Promote Boomi components from dev sub-accounts into the primary account.",
        lifespan=lifespan,
    )

    @app.exception_handler(PromoError)
    async def on_promo_error(request: Request, exc: PromoError) -> JSONResponse:
        return promo_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": ("body",), "msg": "invalid"}
        field = ".".join(str(p) for p in first["loc"] if p != "body") or "body"
        return promo_error_response(
            InvalidRequest(f"Field '{field}': {first['msg']}.", field=field)
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and wants_page(request):
            return not_found_page(request, settings.groups)
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        return JSONResponse(
            {"success": False, "errorCode": code, "errorMessage": str(exc.detail)},
            status_code=exc.status_code,
        )

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", path=request.url.path)
        return JSONResponse(
            {
                "success": False,
                "errorCode": "INTERNAL_ERROR",
                "errorMessage": "Something went wrong on our side; the error was logged.",
            },
            status_code=500,
        )

    app.include_router(build_router())
    mount_dashboard(app, session_secret=session_secret, public_url=settings.public_url)
    app.add_middleware(BodySizeLimitMiddleware, limit=settings.max_request_bytes)
    # Added last, so it is the outermost: the dashboard's middleware logs with the id too.
    app.add_middleware(RequestIdMiddleware)
    app.openapi = lambda: _openapi_document(app)  # type: ignore[method-assign]
    return app
