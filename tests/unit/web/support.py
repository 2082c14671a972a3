"""Helpers for the dashboard route tests: a scripted fake of the actions, a fake container.

The fake answers ``getDevAccounts`` and ``listDevPackages`` the way the real actions do for
the demo's groups (team A → acct-a, team B → acct-b, admins → both) and can be told to fail.
It also answers ``resolveDependencies`` from scripted trees, ``manageMappings`` from a list
of mappings and the review workflow's actions from a list of promotions (see
:class:`Workflow`); :class:`FakeJobs` stands in for the job runner that the long actions use.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from boomi_promo.actions.accounts import DevAccountItem, GetDevAccountsResponse
from boomi_promo.actions.admin_setup import (
    BoomiAccountItem,
    DevAccessItem,
    FindBoomiAccountsResponse,
    ManageDevAccountAccessResponse,
)
from boomi_promo.actions.dependencies import ResolveDependenciesResponse
from boomi_promo.actions.deployment import AbandonDeploymentResponse, SubmitAdminReviewResponse
from boomi_promo.actions.diff import GenerateComponentDiffResponse
from boomi_promo.actions.mapping_records import MappingItem
from boomi_promo.actions.mappings import ManageMappingsResponse
from boomi_promo.actions.packages import ListDevPackagesResponse, PackageItem
from boomi_promo.actions.packs import (
    CheckReleaseStatusResponse,
    IntegrationPackItem,
    ListIntegrationPacksResponse,
    ReleaseItem,
)
from boomi_promo.actions.registry import ActionSpec, Profile, ResponseProfile
from boomi_promo.actions.reviews import (
    CancelTestDeploymentResponse,
    PendingReviewItem,
    QueryPeerReviewQueueResponse,
    SubmitForPeerReviewResponse,
    SubmitPeerReviewResponse,
    WithdrawPromotionResponse,
)
from boomi_promo.actions.status import (
    GetPromotionHistoryResponse,
    PromotionItem,
    QueryStatusResponse,
    QueryTestDeploymentsResponse,
    StoredResultItem,
    TestDeploymentItem,
)
from boomi_promo.config import Settings
from boomi_promo.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    PromoError,
    UnauthorizedAccountAccess,
)
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
    workflow: Workflow = field(default_factory=lambda: Workflow())

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
        if name == "manageDevAccountAccess" and payload["action"] == "query":
            return ManageDevAccountAccessResponse(
                grants=[
                    DevAccessItem(
                        sso_group_id=group,
                        sso_group_name=group,
                        dev_account_id=account.account_id,
                        dev_account_name=account.account_name,
                        is_active=True,
                        updated_at="2025-03-04T09:30:00",
                    )
                    for group, account in TEAM_ACCOUNTS.items()
                ],
                team_prefix="ABC_BOOMI_FLOW_DEVTEAM",
            )
        if name == "getPromotionHistory":
            return GetPromotionHistoryResponse(promotion_ids=[payload["promotionId"]])
        if name == "findBoomiAccounts":
            return FindBoomiAccountsResponse(
                accounts=[
                    BoomiAccountItem(
                        account_id=a.account_id,
                        account_name=a.account_name,
                        status="active",
                        role="DEV",
                    )
                    for a in TEAM_ACCOUNTS.values()
                ]
            )
        if name in WORKFLOW_ACTIONS:
            return self.workflow.answer(name, payload, principal)
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
class FakeSignedOut:
    """Signed-out sessions, in memory."""

    sessions: set[str] = field(default_factory=set)

    async def add(self, sid: str) -> None:
        self.sessions.add(sid)

    async def contains(self, sid: str) -> bool:
        return sid in self.sessions


@dataclass
class FakeContainer:
    settings: Settings
    uow_factory: Any = None
    verifier: Any = None
    local_identity: Any = None
    session_secret: str = SESSION_SECRET
    jobs: FakeJobs = field(default_factory=FakeJobs)
    signed_out: FakeSignedOut = field(default_factory=FakeSignedOut)


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


WORKFLOW_ACTIONS = frozenset(
    {
        "queryStatus",
        "queryTestDeployments",
        "queryPeerReviewQueue",
        "submitPeerReview",
        "submitForPeerReview",
        "withdrawPromotion",
        "cancelTestDeployment",
        "abandonDeployment",
        "generateComponentDiff",
        "listIntegrationPacks",
        "checkReleaseStatus",
        "submitAdminReview",
    }
)


def promotion_item(process: str = "Orders Sync", **overrides: Any) -> PromotionItem:
    """A promotion as queryStatus reports it; COMPLETED by alice unless told otherwise."""
    values: dict[str, Any] = {
        "promotion_id": f"promo-{process.lower().replace(' ', '-')}",
        "process_name": process,
        "dev_account_id": "acct-a",
        "dev_account_name": "Dev Team A",
        "prod_account_id": "primary",
        "dev_package_id": "pkg-001",
        "prod_package_id": "",
        "root_component_id": "dev-orders-sync",
        "initiated_by": "alice@example.com",
        "initiated_at": "2025-03-04T09:30:00.000000",
        "status": "COMPLETED",
        "components_total": 3,
        "components_created": 2,
        "components_updated": 1,
        "components_failed": 0,
        "error_message": "",
        "result_detail": "",
        "promotion_results": [
            StoredResultItem(
                dev_component_id="dev-orders-sync",
                prod_component_id="prod-orders-sync",
                component_name="Orders Sync",
                component_type="process",
                action="UPDATED",
                version=4,
            ),
            StoredResultItem(
                dev_component_id="dev-order-map",
                prod_component_id="prod-order-map",
                component_name="Order Map",
                component_type="transform.map",
                action="CREATED",
                version=1,
            ),
            StoredResultItem(
                dev_component_id="dev-orders-api",
                prod_component_id="prod-orders-api",
                component_name="Orders API",
                component_type="connector-settings",
                action="SKIPPED",
                version=0,
            ),
        ],
        "target_environment": "TEST",
        "branch_id": "branch-1",
        "branch_name": "promo-1",
        "is_hotfix": False,
        "hotfix_justification": "",
        "test_promotion_id": "",
        "test_deployed_at": "",
        "test_integration_pack_id": "",
        "test_integration_pack_name": "",
        "integration_pack_id": "",
        "integration_pack_name": "",
        "package_version": "1.0",
        "submitted_for_review_by": "",
        "submitted_for_review_at": "",
        "promoted_from_test_by": "",
        "peer_review_status": "",
        "peer_reviewed_by": "",
        "peer_reviewed_at": "",
        "peer_review_comments": "",
        "admin_review_status": "",
        "admin_approved_by": "",
        "admin_approved_at": "",
        "admin_comments": "",
        "withdrawn_at": "",
        "withdrawal_reason": "",
    }
    values.update(overrides)
    return PromotionItem(**values)


def pack_item(name: str, pack_id: str = "") -> IntegrationPackItem:
    return IntegrationPackItem(
        pack_id=pack_id or f"pack-{name.lower().replace(' ', '-')}",
        pack_name=name,
        installation_type="MULTI",
        pack_purpose="TEST" if name.endswith(" - TEST") else "PRODUCTION",
    )


@dataclass
class Workflow:
    """The review workflow's actions over a list of promotions, recording what was asked."""

    promotions: list[PromotionItem] = field(default_factory=list)
    ready_for_production: set[str] = field(default_factory=set)
    """Ids that queryTestDeployments lists (TEST_DEPLOYED ones, unless told otherwise)."""
    diffs: dict[str, GenerateComponentDiffResponse] = field(default_factory=dict)
    packs: list[IntegrationPackItem] = field(default_factory=list)
    suggested: dict[str, str] = field(default_factory=dict)
    """Suggested pack id by purpose."""
    releases: dict[str, list[list[ReleaseItem]]] = field(default_factory=dict)
    """Successive checkReleaseStatus answers by promotion id (the last one repeats)."""
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def find(self, promotion_id: str) -> PromotionItem:
        found = next((p for p in self.promotions if p.promotion_id == promotion_id), None)
        if found is None:
            raise NotFound(f"There is no promotion '{promotion_id}'.")
        return found

    def replace(self, promotion_id: str, **changes: Any) -> PromotionItem:
        old = self.find(promotion_id)
        new = old.model_copy(update=changes)
        self.promotions[self.promotions.index(old)] = new
        return new

    def answer(
        self, name: str, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        self.requests.append((name, dict(payload)))
        handler = getattr(self, "_" + re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower())
        response: ResponseProfile = handler(payload, principal)
        return response

    def _query_status(self, payload: Mapping[str, Any], principal: Principal) -> ResponseProfile:
        stage = payload.get("reviewStage")
        found = [
            p
            for p in self.promotions
            if payload.get("promotionId") in (None, p.promotion_id)
            and same_person(payload.get("initiatedBy") or p.initiated_by, p.initiated_by)
            and payload.get("status") in (None, p.status)
            and stage in (None, p.status)
        ]
        return QueryStatusResponse(promotions=found, total_count=len(found))

    def _query_test_deployments(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        ready = [
            p
            for p in self.promotions
            if p.status == "TEST_DEPLOYED" and p.promotion_id in self.ready_for_production
        ]
        return QueryTestDeploymentsResponse(
            test_deployments=[
                TestDeploymentItem(**p.model_dump(include=set(TestDeploymentItem.model_fields)))
                for p in ready
            ],
            total_count=len(ready),
        )

    def _query_peer_review_queue(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        waiting = [
            PendingReviewItem(**p.model_dump(), notes="")
            for p in self.promotions
            if p.status == "PENDING_PEER_REVIEW"
            and not same_person(principal.email, p.initiated_by)
            and not same_person(principal.email, p.submitted_for_review_by)
            and payload.get("promotionId") in (None, p.promotion_id)
        ]
        page, size = int(payload.get("page", 1)), int(payload.get("pageSize", 50))
        return QueryPeerReviewQueueResponse(
            pending_reviews=waiting[(page - 1) * size : page * size],
            total_count=len(waiting),
            page=page,
            page_size=size,
        )

    def _submit_peer_review(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        promotion = self.find(payload["promotionId"])
        if same_person(principal.email, promotion.initiated_by):
            raise Forbidden(
                "You initiated this promotion or submitted it for review; "
                "another contributor must peer review it.",
                error_code="SELF_REVIEW_NOT_ALLOWED",
            )
        approved = payload["decision"] == "APPROVED"
        status = "PENDING_ADMIN_REVIEW" if approved else "PEER_REJECTED"
        self.replace(promotion.promotion_id, status=status, peer_reviewed_by=principal.email)
        return SubmitPeerReviewResponse(promotion_id=promotion.promotion_id, new_status=status)

    def _submit_for_peer_review(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        promotion = self.find(payload["promotionId"])
        if payload.get("isHotfix"):
            if not (payload.get("hotfixJustification") or "").strip():
                raise InvalidRequest(
                    "A hotfix needs a justification: say why it cannot wait for a test deployment.",
                    error_code="HOTFIX_JUSTIFICATION_REQUIRED",
                )
            self.replace(
                promotion.promotion_id,
                status="PENDING_PEER_REVIEW",
                is_hotfix=True,
                hotfix_justification=payload["hotfixJustification"],
                target_environment="PRODUCTION",
            )
            return SubmitForPeerReviewResponse(
                promotion_id=promotion.promotion_id,
                new_status="PENDING_PEER_REVIEW",
                is_hotfix=True,
            )
        production = promotion.model_copy(
            update={
                "promotion_id": promotion.promotion_id + "-prod",
                "status": "PENDING_PEER_REVIEW",
                "target_environment": "PRODUCTION",
                "test_promotion_id": promotion.promotion_id,
                "submitted_for_review_by": principal.email,
            }
        )
        self.promotions.append(production)
        self.ready_for_production.discard(promotion.promotion_id)
        return SubmitForPeerReviewResponse(
            promotion_id=production.promotion_id,
            new_status="PENDING_PEER_REVIEW",
            test_promotion_id=promotion.promotion_id,
        )

    def _withdraw_promotion(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        promotion = self.find(payload["promotionId"])
        self.replace(promotion.promotion_id, status="WITHDRAWN")
        return WithdrawPromotionResponse(
            promotion_id=promotion.promotion_id,
            previous_status=promotion.status,
            new_status="WITHDRAWN",
            branch_deleted=True,
            message="The promotion was withdrawn and its branch deleted.",
        )

    def _cancel_test_deployment(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        promotion = self.find(payload["promotionId"])
        self.replace(promotion.promotion_id, status="TEST_CANCELLED")
        return CancelTestDeploymentResponse(
            promotion_id=promotion.promotion_id,
            previous_status=promotion.status,
            new_status="TEST_CANCELLED",
            branch_deleted=True,
            message="The promotion was cancelled and its branch deleted.",
        )

    def _abandon_deployment(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        promotion = self.find(payload["promotionId"])
        self.replace(promotion.promotion_id, status="DEPLOY_ABANDONED", branch_id="")
        return AbandonDeploymentResponse(
            promotion_id=promotion.promotion_id,
            previous_status=promotion.status,
            new_status="DEPLOY_ABANDONED",
            branch_deleted=True,
            message="The failed deployment was abandoned and its branch deleted; the process "
            "can be promoted again.",
        )

    def _generate_component_diff(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        return self.diffs[payload["prodComponentId"]]

    def _list_integration_packs(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        purpose = payload["packPurpose"]
        packs = [p for p in self.packs if p.pack_purpose == purpose]
        suggested = self.suggested.get(purpose, "")
        return ListIntegrationPacksResponse(
            integration_packs=packs,
            suggested_pack_id=suggested,
            suggested_pack_name=next((p.pack_name for p in packs if p.pack_id == suggested), ""),
        )

    def _check_release_status(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        answers = self.releases.get(payload["promotionId"], [[]])
        current = answers.pop(0) if len(answers) > 1 else answers[0]
        return CheckReleaseStatusResponse(promotion_id=payload["promotionId"], releases=current)

    def _submit_admin_review(
        self, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        promotion = self.replace(
            payload["promotionId"], status="ADMIN_REJECTED", admin_approved_by=principal.email
        )
        return SubmitAdminReviewResponse(
            promotion_id=promotion.promotion_id, decision="REJECTED", new_status="ADMIN_REJECTED"
        )


def release_item(status: str, release_type: str = "PRODUCTION", **overrides: str) -> ReleaseItem:
    values: dict[str, Any] = {
        "release_id": f"release-{release_type.lower()}",
        "release_type": release_type,
        "integration_pack_name": "Orders Sync" + (" - TEST" if release_type == "TEST" else ""),
        "status": status,
        "completion_time": "2025-03-04T10:00:00Z" if status == "SUCCESS" else "",
    }
    values.update(overrides)
    return ReleaseItem(**values)
