"""JSON API: ``POST /api/v1/actions/{actionName}`` for every registered action, plus health."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST

from boomi_promo.actions.catalog import all_actions
from boomi_promo.actions.registry import ActionSpec
from boomi_promo.actions.runner import prepare_action, require_action, run_handler
from boomi_promo.api.auth import api_principal
from boomi_promo.api.limits import parse_json_body
from boomi_promo.bootstrap import Container
from boomi_promo.errors import InvalidRequest, PromoError
from boomi_promo.jobs.runner import job_document
from boomi_promo.observability import boomi_problem, database_problem


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def read_json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    payload = await parse_json_body(raw, max_depth=container_of(request).settings.max_json_depth)
    if not isinstance(payload, dict):
        raise InvalidRequest("The request body must be a JSON object.", field="body")
    return payload


def wants_async(request: Request) -> bool:
    """RFC 7240: ``Prefer: respond-async`` asks for 202 and a job URL instead of waiting."""
    preferences = request.headers.get("prefer", "")
    return any(p.strip().lower() == "respond-async" for p in preferences.split(","))


async def run_action_endpoint(request: Request, name: str) -> JSONResponse:
    container = container_of(request)
    require_action(name)
    principal = await api_principal(request, container)
    payload = await read_json_object(request)
    spec, action_request = prepare_action(name, payload, principal)
    if not spec.long_running:
        response = await run_handler(container, spec, action_request, principal)
        return JSONResponse(response.model_dump(by_alias=True, mode="json"))
    job = await container.jobs.submit(spec, action_request, principal)
    if wants_async(request):
        document = job_document(job)
        return JSONResponse(
            {"success": True, "errorCode": "", "errorMessage": "", **document},
            status_code=202,
            headers={"Location": document["jobUrl"], "Preference-Applied": "respond-async"},
        )
    finished = await container.jobs.wait(job.id, principal)
    return JSONResponse(finished.response or {}, status_code=finished.http_status or 500)


def sse_event(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


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

    @router.get("/api/v1/jobs/{job_id}", tags=["jobs"], summary="A long action's job")
    async def get_job(request: Request, job_id: str) -> JSONResponse:
        container = container_of(request)
        principal = await api_principal(request, container)
        job = await container.jobs.get(job_id, principal)
        return JSONResponse({"success": True, **job_document(job)})

    @router.get(
        "/api/v1/jobs/{job_id}/events",
        tags=["jobs"],
        summary="Server-sent events: the job's progress until it finishes",
        response_class=StreamingResponse,
    )
    async def job_events(request: Request, job_id: str) -> StreamingResponse:
        container = container_of(request)
        principal = await api_principal(request, container)
        await container.jobs.get(job_id, principal)

        async def stream() -> AsyncIterator[str]:
            async for job in container.jobs.watch(job_id, principal):
                document = job_document(job)
                yield sse_event("done" if job.state.finished else "progress", document)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @router.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", tags=["health"])
    async def readyz(request: Request) -> JSONResponse:
        """Ready when the database answers and the primary Boomi account can be read."""
        container = container_of(request)
        problems = {
            ("database", "The database"): await database_problem(container.engine),
            ("boomi", "Boomi"): await boomi_problem(container.boomi),
        }
        checks = {field: problem or "ok" for (field, _), problem in problems.items()}
        failed = [f"{shown} is {problem}" for (_, shown), problem in problems.items() if problem]
        if failed:
            reason = "; ".join(failed) + "."
            return JSONResponse(
                {"status": "unavailable", "reason": reason, **checks}, status_code=503
            )
        return JSONResponse({"status": "ready", **checks})

    @router.get(
        "/metrics",
        tags=["health"],
        summary="Prometheus metrics (text exposition format)",
        response_class=Response,
    )
    async def metrics(request: Request) -> Response:
        container = container_of(request)
        exposition = await container.metrics.exposition(container.engine)
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)

    return router


def promo_error_response(exc: PromoError) -> JSONResponse:
    return JSONResponse(exc.envelope(), status_code=exc.status_code)
