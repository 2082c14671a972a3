"""Helpers for the dashboard route tests: a scripted fake of the actions, a fake container.

The fake answers ``getDevAccounts`` and ``listDevPackages`` the way the real actions do for
the demo's groups (team A → acct-a, team B → acct-b, admins → both) and can be told to fail.
It also answers ``resolveDependencies`` from scripted trees and ``manageMappings`` from a
list of mappings; :class:`FakeJobs` stands in for the job runner that executePromotion uses.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from boomi_promo.actions.accounts import DevAccountItem, GetDevAccountsResponse
from boomi_promo.actions.dependencies import ResolveDependenciesResponse
from boomi_promo.actions.mappings import ManageMappingsResponse, MappingItem
from boomi_promo.actions.packages import ListDevPackagesResponse, PackageItem
from boomi_promo.actions.registry import ActionSpec, Profile, ResponseProfile
from boomi_promo.config import Settings
from boomi_promo.errors import NotFound, PromoError, UnauthorizedAccountAccess
from boomi_promo.identity.principal import Principal, Tier, same_person
from boomi_promo.store import Job

SESSION_SECRET = "unit-test-session-secret-0123456789abcdef"
ACCOUNT_A = DevAccountItem(account_id="acct-a", account_name="Dev Team A")
ACCOUNT_B = DevAccountItem(account_id="acct-b", account_name="Dev Team B")
TEAM_ACCOUNTS = {"ABC_BOOMI_FLOW_DEVTEAMA": ACCOUNT_A, "ABC_BOOMI_FLOW_DEVTEAMB": ACCOUNT_B}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def package(number: int, **overrides: str) -> PackageItem:
    """Package ``number``; higher numbers are newer."""
    values = {
        "package_id": f"pkg-{number:03d}",
        "package_version": f"1.{number}",
        "component_id": f"comp-{number:03d}",
        "component_name": f"Order Sync {number:03d}",
        "component_type": "process",
        "created_date": f"2025-01-{1 + number // 24:02d}T{number % 24:02d}:00:00Z",
        "created_by": "dev@example.com",
        "notes": "",
    }
    values.update(overrides)
    return PackageItem(**values)


@dataclass
class FakeActions:
    packages: dict[str, list[PackageItem]] = field(default_factory=dict)
    failure: PromoError | None = None
    calls: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    trees: dict[str, ResolveDependenciesResponse] = field(default_factory=dict)
    """resolveDependencies answers by root component id."""
    mappings: list[MappingItem] = field(default_factory=list)
    refusals: dict[str, PromoError] = field(default_factory=dict)
    """Failures by action (``resolveDependencies``) or operation (``manageMappings:update``)."""

    def granted(self, principal: Principal) -> list[DevAccountItem]:
        if principal.tier is Tier.ADMIN:
            return [ACCOUNT_A, ACCOUNT_B]
        return [TEAM_ACCOUNTS[g] for g in principal.groups if g in TEAM_ACCOUNTS]

    def package_calls(self) -> int:
        return sum(1 for name, _, _ in self.calls if name == "listDevPackages")

    async def __call__(
        self, container: Any, name: str, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        self.calls.append((name, dict(payload), principal.email))
        if self.failure is not None:
            raise self.failure
        operation = f"{name}:{payload['action']}" if "action" in payload else name
        for key in (name, operation):
            if key in self.refusals:
                raise self.refusals[key]
        accounts = self.granted(principal)
        if name == "getDevAccounts":
            return GetDevAccountsResponse(
                effective_tier=principal.tier.value, dev_accounts=accounts
            )
        if name == "listDevPackages":
            account_id = payload["devAccountId"]
            if account_id not in {a.account_id for a in accounts}:
                raise UnauthorizedAccountAccess(
                    f"Your groups do not grant access to dev account '{account_id}'."
                )
            newest_first = sorted(
                self.packages.get(account_id, []), key=lambda p: p.created_date, reverse=True
            )
            return ListDevPackagesResponse(packages=newest_first)
        if name == "resolveDependencies":
            if payload["devAccountId"] not in {a.account_id for a in accounts}:
                raise UnauthorizedAccountAccess("Your groups do not grant access to that account.")
            return self.trees[payload["rootComponentId"]]
        if name == "manageMappings":
            return self.manage_mappings(payload)
        raise AssertionError(f"the dashboard ran an unexpected action {name}")

    def calls_of(self, name: str) -> list[dict[str, Any]]:
        return [payload for called, payload, _ in self.calls if called == name]

    def manage_mappings(self, payload: Mapping[str, Any]) -> ManageMappingsResponse:
        operation = payload["action"]
        key = (payload.get("devAccountId"), payload.get("devComponentId"))
        if operation == "query":
            found = [
                m
                for m in self.mappings
                if (payload.get("nameContains") or "").lower() in m.component_name.lower()
                and payload.get("devAccountId") in ("", None, m.dev_account_id)
                and payload.get("componentType") in ("", None, m.component_type)
            ]
            start = (payload["page"] - 1) * payload["pageSize"]
            return ManageMappingsResponse(
                mappings=found[start : start + payload["pageSize"]], total_count=len(found)
            )
        existing = next(
            (m for m in self.mappings if (m.dev_account_id, m.dev_component_id) == key), None
        )
        if operation == "update":
            assert existing is not None
            changed = existing.model_copy(update={"prod_component_id": payload["prodComponentId"]})
            self.mappings[self.mappings.index(existing)] = changed
            return ManageMappingsResponse(mappings=[changed], total_count=1)
        if operation == "delete":
            assert existing is not None
            self.mappings.remove(existing)
            return ManageMappingsResponse(mappings=[existing], total_count=1)
        seeded = [
            mapping_item(
                row["devComponentId"],
                dev_account_id=row["devAccountId"],
                prod_component_id=payload["prodComponentId"],
                component_type="connector-settings",
            )
            for row in payload["devConnections"]
        ]
        self.mappings.extend(seeded)
        return ManageMappingsResponse(mappings=seeded, total_count=len(seeded))


def mapping_item(
    name: str,
    *,
    dev_account_id: str = "acct-a",
    prod_component_id: str = "",
    component_type: str = "process",
    **overrides: Any,
) -> MappingItem:
    values: dict[str, Any] = {
        "dev_component_id": f"dev-{name.lower().replace(' ', '-')}",
        "dev_account_id": dev_account_id,
        "prod_component_id": prod_component_id or f"prod-{name.lower().replace(' ', '-')}",
        "component_name": name,
        "component_type": component_type,
        "mapping_source": "PROMOTION_ENGINE",
        "last_promoted": "2025-03-04T09:30:00.000000",
        "last_promoted_by": "alice@example.com",
        "prod_latest_version": 3,
        "on_main": True,
    }
    values.update(overrides)
    return MappingItem(**values)


@dataclass
class FakeJobs:
    """The job runner as the dashboard sees it: submitted jobs, and scripted changes to watch."""

    jobs: dict[str, Job] = field(default_factory=dict)
    changes: dict[str, list[Job]] = field(default_factory=dict)
    """What ``watch`` yields for a job; the job as it is when nothing is scripted."""
    submitted: list[Profile] = field(default_factory=list)

    async def submit(self, spec: ActionSpec, request: Profile, principal: Principal) -> Job:
        self.submitted.append(request)
        job = Job(
            action=spec.name,
            process_name=spec.process_name,
            request=request.model_dump(by_alias=True, mode="json"),
            principal_email=principal.email,
        )
        self.jobs[job.id] = job
        return job

    def add(self, job: Job) -> Job:
        self.jobs[job.id] = job
        return job

    async def get(self, job_id: str, principal: Principal) -> Job:
        job = self.jobs.get(job_id)
        if job is None or not (
            principal.tier is Tier.ADMIN or same_person(job.principal_email, principal.email)
        ):
            raise NotFound(f"There is no job '{job_id}' visible to you.")
        return job

    async def watch(self, job_id: str, principal: Principal) -> AsyncIterator[Job]:
        first = await self.get(job_id, principal)
        for job in self.changes.get(job_id, [first]):
            yield job


@dataclass
class FakeContainer:
    settings: Settings
    uow_factory: Any = None
    verifier: Any = None
    local_identity: Any = None
    session_secret: str = SESSION_SECRET
    jobs: FakeJobs = field(default_factory=FakeJobs)


def csrf_token_in(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"email": email, "csrf_token": csrf_token_in(page.text), "next": "/"}
    )
    assert response.status_code == 303, response.text


HTMX = {"HX-Request": "true"}
