"""Hostile input against the running service (issue 14): every such request gets a clear 4xx,
the service keeps answering others, and nothing is written.

Over HTTP against the demo (emulator over HTTP, a fresh store on SQLite or PostgreSQL).
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import pytest

from tests.support.service import DemoService

ALICE = "alice@example.com"
CAROL = "carol@example.com"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def assert_refused(response: httpx.Response, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["success"] is False
    assert body["errorCode"] == code
    assert body["errorMessage"]
    if field is not None:
        assert body.get("errorField") == field


# --------------------------------------------------------------------- identity under any alias


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("getDevAccounts", {"user_sso_groups": ["ABC_BOOMI_FLOW_ADMIN"]}, "userSsoGroups"),
        (
            "withdrawPromotion",
            {"promotionId": "p-1", "requester_email": "mallory@example.com"},
            "requesterEmail",
        ),
        (
            "executePromotion",
            {
                "devAccountId": "devteama-DVA001",
                "devPackageId": "x",
                "promotion_metadata": {"requested_by": "mallory@example.com"},
            },
            "promotionMetadata.requestedBy",
        ),
    ],
    ids=["groups", "requester", "nested"],
)
async def test_fields_naming_the_caller_are_checked_in_snake_case_too(
    demo_service: DemoService, action: str, body: dict[str, Any], field: str
) -> None:
    response = await demo_service.call(ALICE, action, body)

    assert_refused(response, 403, "IDENTITY_MISMATCH", field)


# --------------------------------------------------------------------- deep nesting, large bodies


@pytest.mark.parametrize("depth", [40, 1_000, 100_000])
async def test_json_nested_deeply_is_a_clear_400(demo_service: DemoService, depth: int) -> None:
    body = '{"action":"query","x":' + "[" * depth + "]" * depth + "}"
    async with demo_service.api(CAROL) as api:
        response = await api.post(
            "/api/v1/actions/manageMappings",
            content=body,
            headers={"Content-Type": "application/json"},
        )

    assert_refused(response, 400, "INVALID_REQUEST", "body")
    assert "levels deep" in response.json()["errorMessage"]


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    demo_service: DemoService,
) -> None:
    limit = demo_service.settings.max_request_bytes
    huge = b'{"action":"query","nameContains":"' + b"x" * (limit + 1) + b'"}'
    async with demo_service.api(CAROL) as api:
        started = time.monotonic()
        declared = await api.post(
            "/api/v1/actions/manageMappings",
            content=huge,
            headers={"Content-Type": "application/json"},
        )
        declared_seconds = time.monotonic() - started

        async def streamed_body() -> Any:
            for _ in range(limit // 65_536 + 2):
                yield b"x" * 65_536

        streamed = await api.post(
            "/api/v1/actions/manageMappings",
            content=streamed_body(),
            headers={"Content-Type": "application/json"},
        )

    assert_refused(declared, 413, "REQUEST_TOO_LARGE", "body")
    assert_refused(streamed, 413, "REQUEST_TOO_LARGE", "body")
    assert declared_seconds < 10, "refused from its declared length, not after reading it"


async def test_health_answers_while_large_bodies_are_refused(demo_service: DemoService) -> None:
    limit = demo_service.settings.max_request_bytes
    near_limit = b'{"action":"query","nameContains":"' + b"x" * (limit - 100) + b'"}'
    async with demo_service.api(CAROL) as api:

        async def large() -> int:
            response = await api.post(
                "/api/v1/actions/manageMappings",
                content=near_limit,
                headers={"Content-Type": "application/json"},
            )
            return response.status_code

        async def health() -> float:
            started = time.monotonic()
            response = await api.get("/healthz")
            assert response.status_code == 200
            return time.monotonic() - started

        statuses, *health_times = await asyncio.gather(
            asyncio.gather(*(large() for _ in range(3))), health(), health()
        )

    assert all(status == 400 for status in statuses), statuses  # nameContains is too long
    assert max(health_times) < 5


# --------------------------------------------------------------------- sessions


async def _signed_in_dashboard(service: DemoService, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=service.base_url, timeout=30)
    page = await client.get("/login")
    token = CSRF.search(page.text)
    assert token is not None
    response = await client.post("/login", data={"email": email, "csrf_token": token.group(1)})
    assert response.status_code == 303, response.text
    return client


async def test_a_session_cookie_copied_before_sign_out_no_longer_works(
    demo_service: DemoService,
) -> None:
    carol = await _signed_in_dashboard(demo_service, CAROL)
    try:
        page = await carol.get("/admin/accounts")
        assert page.status_code == 200
        stolen = dict(carol.cookies)
        token = CSRF.search(page.text)
        assert token is not None
        signed_out = await carol.post("/logout", data={"csrf_token": token.group(1)})
        assert signed_out.status_code == 303
    finally:
        await carol.aclose()

    async with httpx.AsyncClient(
        base_url=demo_service.base_url, cookies=stolen, timeout=30
    ) as thief:
        replayed = await thief.get("/admin/accounts")

    assert replayed.status_code == 303
    assert replayed.headers["location"].startswith("/login")


# --------------------------------------------------------------------- filters that were ignored


async def test_manage_mappings_query_filters_by_dev_component(demo_service: DemoService) -> None:
    wanted = demo_service.seed.connection_mappings[0]

    response = await demo_service.call(
        CAROL,
        "manageMappings",
        {
            "action": "query",
            "devComponentId": wanted.dev_component_id,
            "devAccountId": wanted.dev_account_id,
        },
    )

    assert response.status_code == 200, response.text
    found = response.json()["mappings"]
    assert [m["devComponentId"] for m in found] == [wanted.dev_component_id]
