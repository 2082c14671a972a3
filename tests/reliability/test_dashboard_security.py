"""The dashboard over real HTTP: forms need the session's CSRF token, the session cookie is
locked down, every page carries the security headers, no page shows a secret, and names
from Boomi are shown as text, never as markup.

The routes are read from the application itself, so a form or page added later is covered
without touching this file.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from boomi_promo.emulator.seed.builder import Seeder
from boomi_promo.emulator.seed.content import profile_json
from boomi_promo.emulator.seed.world import TEAM_A_ID
from boomi_promo.emulator.state.world import EmulatorState
from boomi_promo.service import create_app
from boomi_promo.web.routes import SESSION_COOKIE
from boomi_promo.web.security import SECURITY_HEADERS
from tests.integration.promotion.support import ALICE, BOB, CAROL, promote, writes_to_boomi
from tests.reliability.test_secret_leaks import (
    CorpusService,
    encoded_forms,
    promoted_corpus,
    serve_corpus,
    store_texts,
)
from tests.support.reliability import ReliabilityLog
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import prepare_database, run_in_fresh_loop, service_settings
from tests.unit.web.support import csrf_token_in

SUITE = "Dashboard security"
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HOSTILE_PROCESS = "<script>alert(1)</script>"
HOSTILE_PROFILE = '"><img src=x onerror=alert(2)>'
ESCAPED_PROCESS = "&lt;script&gt;alert(1)&lt;/script&gt;"
PATH_PARAMETER = re.compile(r"\{(\w+)\}")
DASHBOARD_PACKAGE = "boomi_promo.web."


# ------------------------------------------------------------------------------ helpers


def dashboard_routes(app: FastAPI) -> list[APIRoute]:
    """Every route of the dashboard: the application's routes served by ``boomi_promo.web``."""
    found: list[APIRoute] = []

    def walk(routes: Iterable[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                if route.endpoint.__module__.startswith(DASHBOARD_PACKAGE):
                    assert prefix == "", "dashboard routers are included without a prefix"
                    found.append(route)
                continue
            included = getattr(route, "original_router", None)
            if included is not None:
                walk(included.routes, prefix + route.include_context.prefix)

    walk(app.routes, "")
    assert found, "the dashboard's routes were found"
    return found


def methods_of(route: APIRoute) -> set[str]:
    return set(route.methods or ())


def concrete(path: str, values: dict[str, str]) -> str:
    return PATH_PARAMETER.sub(lambda match: values[match.group(1)], path)


async def signed_in(base_url: str, email: str) -> httpx.AsyncClient:
    """A browser-like client signed in to the dashboard as a demo user."""
    client = httpx.AsyncClient(base_url=base_url, timeout=30)
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"email": email, "csrf_token": csrf_token_in(page.text), "next": "/"}
    )
    assert response.status_code == 303, response.text
    return client


@dataclass(frozen=True)
class HostilePackage:
    package_id: str
    process_id: str


def plant_hostile_names(state: EmulatorState) -> HostilePackage:
    """A packaged Team A process named like a script tag, using a profile named like an
    attribute break-out: both must show as text wherever the dashboard names them."""
    with state.lock:
        author = Seeder(state).author(TEAM_A_ID, "alice@example.com", datetime.now(UTC))
        profile = author.add(
            "DevTeamA/Hostile", HOSTILE_PROFILE, "profile.json", profile_json("Row", ["id"])
        )
        process = author.add(
            "DevTeamA/Hostile",
            HOSTILE_PROCESS,
            "process",
            '<process xmlns=""><shapes><shape shapetype="setproperties" name="shape1">'
            '<configuration><setproperties><properties><property name="rowId" '
            f'type="profile_element" profileId="{profile}" element="Row/id"/></properties>'
            "</setproperties></configuration></shape></shapes></process>",
        )
        return HostilePackage(author.package(process, "1.0", "hostile names"), process)


@dataclass
class World:
    """The corpus promoted, and the ids every dashboard route can be filled with."""

    served: CorpusService
    promotion: dict[str, Any]
    path_values: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.served.service.base_url


@pytest.fixture
async def world(
    emulator: EmulatorHandle, tmp_path: Path, service_database_url: str
) -> AsyncIterator[World]:
    with serve_corpus(emulator, tmp_path, service_database_url) as served:
        promotion = await promoted_corpus(served)
        state = served.service.emulator.state
        client = served.service.seed.client_accounts[0]
        map_extension = next(
            key
            for key, found in state.map_extensions.items()
            if found.account_id == client.account_id
        )
        yield World(
            served,
            promotion,
            {
                "promotion_id": promotion["promotionId"],
                "job_id": await _job_of(served),
                "map_extension_id": map_extension,
            },
        )


async def _job_of(served: CorpusService) -> str:
    tables = await store_texts(served.service.settings.resolved_database_url())
    found = re.search(r'"id": "([0-9a-f-]{36})"', tables["table jobs"])
    assert found is not None, "the promotion ran as a job"
    return found.group(1)


def page_urls(world: World) -> list[str]:
    """Every GET page of the dashboard, plus the pages that need a query to show something:
    the review of the corpus package, the diff of each promoted component, the extension
    manager and copy page of each client environment."""
    corpus = world.served.corpus
    client = world.served.service.seed.client_accounts[0]
    urls = [
        concrete(route.path, world.path_values)
        for route in dashboard_routes(world.served.app)
        if "GET" in methods_of(route)
    ]
    urls += [
        f"/packages/list?account={corpus.account_id}",
        f"/promote?account={corpus.account_id}&package={corpus.package_id}",
        f"/extensions?account={client.account_id}&env=test",
        f"/extensions?account={client.account_id}&env=prod",
        f"/extensions/copy?account={client.account_id}",
    ]
    urls += [
        f"/reviews/{world.path_values['promotion_id']}/diff"
        f"?component={result['prodComponentId']}&action=CREATE"
        for result in world.promotion["promotionResults"]
        if result["prodComponentId"]
    ]
    return urls


# ------------------------------------------------------------------------------ CSRF


async def test_every_dashboard_form_refuses_a_request_without_the_session_token(
    world: World, reliability: ReliabilityLog
) -> None:
    service = world.served.service
    forms = [
        route
        for route in dashboard_routes(world.served.app)
        if methods_of(route) & CHANGING_METHODS
    ]
    assert {"/login", "/logout", "/promote", "/admin/mappings/seed"} <= {f.path for f in forms}
    carol = await signed_in(world.base_url, CAROL)
    bob = await signed_in(world.base_url, BOB)
    foreign_token = csrf_token_in((await bob.get("/login")).text)
    store_before = await domain_records(service.settings.resolved_database_url())
    boomi_writes_before = writes_to_boomi(service)
    # Fields a real form of each kind sends: refused or not, the token alone decides.
    fields = {
        "decision": "APPROVED",
        "email": BOB,
        "devAccountId": world.served.corpus.account_id,
        "account": world.served.corpus.account_id,
        "package": world.served.corpus.package_id,
        "prodComponentId": "00000000-0000-4000-8000-000000000000",
        "comments": "forged",
    }
    attempts = {
        "no token": ({}, fields),
        "wrong token": ({}, {**fields, "csrf_token": "forged-token"}),
        "another session's token (header)": ({"X-CSRF-Token": foreign_token}, fields),
    }
    refused: dict[str, int] = {}
    try:
        for route in forms:
            path = concrete(route.path, world.path_values)
            for method in sorted(methods_of(route) & CHANGING_METHODS):
                for name, (headers, data) in attempts.items():
                    response = await carol.request(method, path, data=data, headers=headers)
                    held = response.status_code == 403 and "Form refused" in response.text
                    refused[name] = refused.get(name, 0) + held
                    assert held, f"{method} {path} with {name}: {response.status_code}"
        still_carol = await carol.get("/admin/accounts")
    finally:
        await carol.aclose()
        await bob.aclose()

    assert still_carol.status_code == 200, "a refused sign-out or sign-in changed no session"
    assert writes_to_boomi(service) == boomi_writes_before
    assert await domain_records(service.settings.resolved_database_url()) == store_before
    for name in attempts:
        reliability.record(
            SUITE,
            f"CSRF: form posted with {name}",
            tried=len(forms),
            held=refused[name],
            detail="403 'Form refused'; store, Boomi and the session unchanged",
        )


async def domain_records(database_url: str) -> dict[str, str]:
    """The store without the shared Boomi limiter's schedule, which any background read of
    the service (a sweep, a probe) moves on: a refused form changes neither, but only the
    records are the form's to leave alone."""
    texts = await store_texts(database_url)
    texts.pop("table boomi_rate_limits", None)
    return texts


# ------------------------------------------------------------------------------ cookie


def session_cookie(response: httpx.Response) -> str:
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
    assert len(cookies) == 1, response.headers
    return cookies[0]


def flags(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


async def test_the_session_cookie_is_http_only_same_site_lax_and_secure_behind_https(
    emulator: EmulatorHandle, tmp_path: Path, reliability: ReliabilityLog
) -> None:
    checked = 0
    for public_url, secure in (("", False), ("https://promo.example.com", True)):
        data_dir = tmp_path / ("https" if secure else "http")
        settings = service_settings(emulator, data_dir).model_copy(
            update={"public_url": public_url}
        )
        run_in_fresh_loop(prepare_database(settings, emulator.seed))
        with start_server(create_app(settings)) as running:
            async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as client:
                page = await client.get("/login")
                first = session_cookie(page)
                # Sent by hand: a client keeps a Secure cookie off plain HTTP, as it should.
                signed = await client.post(
                    "/login",
                    data={"email": ALICE, "csrf_token": csrf_token_in(page.text), "next": "/"},
                    headers={"Cookie": first.split(";", 1)[0]},
                )
        assert signed.status_code == 303
        for cookie in (first, session_cookie(signed)):
            assert {"httponly", "samesite=lax"} <= flags(cookie), cookie
            assert ("secure" in flags(cookie)) is secure, cookie
            checked += 1
    reliability.record(
        SUITE,
        "session cookie flags (http and https public URL)",
        tried=4,
        held=checked,
        detail="HttpOnly, SameSite=Lax; Secure exactly when PROMO_PUBLIC_URL is https",
    )


# ------------------------------------------------------------------------------ pages


async def fetch_pages(world: World, email: str) -> dict[str, httpx.Response]:
    client = await signed_in(world.base_url, email)
    try:
        return {url: await client.get(url) for url in page_urls(world)}
    finally:
        await client.aclose()


async def test_every_page_carries_the_security_headers(
    world: World, reliability: ReliabilityLog
) -> None:
    pages = await fetch_pages(world, CAROL)

    assert len(pages) > 30
    held = 0
    for url, response in pages.items():
        assert response.status_code < 500, f"{url}: {response.status_code}"
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        for name, value in SECURITY_HEADERS:
            assert response.headers.get(name) == value, f"{url}: {name}"
        held += 1
    reliability.record(
        SUITE,
        "security headers on every dashboard page",
        tried=len(pages),
        held=held,
        detail="CSP without unsafe-inline, X-Frame-Options DENY, nosniff, Referrer-Policy",
    )


async def test_no_page_shows_a_planted_secret(world: World, reliability: ReliabilityLog) -> None:
    seed = world.served.service.seed
    secrets = [*world.served.corpus.values(), *seed.secret_values]
    needles = {secret: encoded_forms(secret) for secret in secrets}
    pages = {**await fetch_pages(world, CAROL), **await fetch_pages(world, BOB)}

    shown = {
        url: [s for s, forms in needles.items() if any(n in response.text for n in forms)]
        for url, response in pages.items()
    }
    clean = [url for url, found in shown.items() if not found]
    reliability.record(
        SUITE,
        "no planted secret in any page (diff viewer, extension manager, mappings ...)",
        tried=len(pages),
        held=len(clean),
        detail="none of the corpus or demo secrets, raw, URL- or base64-encoded, in the HTML",
    )
    assert {url: found for url, found in shown.items() if found} == {}


async def test_names_from_boomi_are_escaped_on_every_page_that_shows_them(
    world: World, reliability: ReliabilityLog
) -> None:
    service = world.served.service
    hostile = plant_hostile_names(service.emulator.state)
    promoted = await promote(service, hostile.package_id)
    assert promoted.status_code == 200, promoted.text
    results = promoted.json()["promotionResults"]
    process = next(r for r in results if r["componentName"] == HOSTILE_PROCESS)
    promotion_id = promoted.json()["promotionId"]
    pages = [
        f"/packages/list?account={TEAM_A_ID}&q=alert",
        f"/promote?account={TEAM_A_ID}&package={hostile.package_id}",
        f"/reviews/{promotion_id}/diff?component={process['prodComponentId']}&action=CREATE"
        f"&name={HOSTILE_PROCESS}",
        f"/promotions/{promotion_id}",
    ]
    client = await signed_in(world.base_url, ALICE)
    try:
        answers = {url: await client.get(url) for url in pages}
    finally:
        await client.aclose()

    held = 0
    for url, response in answers.items():
        assert response.status_code == 200, f"{url}: {response.text}"
        assert ESCAPED_PROCESS in response.text, url
        assert HOSTILE_PROCESS not in response.text and HOSTILE_PROFILE not in response.text, url
        held += 1
    reliability.record(
        SUITE,
        "component named <script>alert(1)</script> (package list, review, diff, status)",
        tried=len(pages),
        held=held,
        detail="the name is in the HTML escaped, never as markup",
    )
