"""JSON API: ``POST /api/v1/actions/{actionName}`` for every registered action, plus health."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from boomi_promo.actions.registry import ActionSpec, all_actions
from boomi_promo.actions.runner import execute_action, require_action
from boomi_promo.api.auth import api_principal
from boomi_promo.bootstrap import Container
from boomi_promo.errors import InvalidRequest, PromoError


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def read_json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.", field="body") from exc
    if not isinstance(payload, dict):
        raise InvalidRequest("The request body must be a JSON object.", field="body")
    return payload


async def run_action_endpoint(request: Request, name: str) -> JSONResponse:
    container = container_of(request)
    require_action(name)
    principal = await api_principal(request, container)
    payload = await read_json_object(request)
    response = await execute_action(container, name, payload, principal)
    return JSONResponse(response.model_dump(by_alias=True, mode="json"))


def _route_for(spec: ActionSpec, router: APIRouter) -> None:
    async def endpoint(request: Request) -> JSONResponse:
        return await run_action_endpoint(request, spec.name)

    router.add_api_route(
        f"/api/v1/actions/{spec.name}",
        endpoint,
        methods=["POST"],
        operation_id=spec.name,
        summary=spec.operation_summary,
        description=f"{spec.process_name}. Callable by {spec.min_tier.value} and above.",
        response_model=spec.response_model,
        tags=["actions"],
        openapi_extra={
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{spec.request_model.__name__}"}
                    }
                },
            },
            "x-process-name": spec.process_name,
        },
    )


def build_router() -> APIRouter:
    router = APIRouter()
    for spec in all_actions():
        _route_for(spec, router)

    @router.post("/api/v1/actions/{name}", include_in_schema=False)
    async def unknown_action(request: Request, name: str) -> JSONResponse:
        return await run_action_endpoint(request, name)

    @router.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", tags=["health"])
    async def readyz(request: Request) -> JSONResponse:
        container = container_of(request)
        try:
            async with container.engine.connect() as conn:
                await conn.execute(text("select 1"))
        except Exception as exc:  # any database failure means not ready
            return JSONResponse(
                {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"},
                status_code=503,
            )
        return JSONResponse({"status": "ready", "database": "ok"})

    return router


def promo_error_response(exc: PromoError) -> JSONResponse:
    return JSONResponse(exc.envelope(), status_code=exc.status_code)
