"""The actions the dashboard runs, called exactly as the JSON API calls them, with typed answers.

Refusals and Boomi failures arrive as :class:`boomi_promo.errors.PromoError`; pages show their
``message``, which is written for people. executePromotion runs as a job, as it does for the
API: the dashboard submits it and then follows the job.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from boomi_promo.actions.accounts import DevAccountItem, GetDevAccountsResponse
from boomi_promo.actions.dependencies import ResolveDependenciesResponse
from boomi_promo.actions.deployment import AbandonDeploymentResponse, SubmitAdminReviewResponse
from boomi_promo.actions.diff import GenerateComponentDiffResponse
from boomi_promo.actions.extension_updates import UpdateExtensionsResponse
from boomi_promo.actions.extensions import (
    ClientAccountItem,
    GetExtensionsResponse,
    GetMapExtensionResponse,
    ListClientAccountsResponse,
)
from boomi_promo.actions.map_extension_updates import UpdateMapExtensionResponse
from boomi_promo.actions.mappings import ManageMappingsResponse
from boomi_promo.actions.packages import ListDevPackagesResponse, PackageItem
from boomi_promo.actions.packs import (
    CheckReleaseStatusResponse,
    ListIntegrationPacksResponse,
    ReleaseItem,
)
from boomi_promo.actions.registry import ResponseProfile
from boomi_promo.actions.reviews import (
    CancelTestDeploymentResponse,
    QueryPeerReviewQueueResponse,
    SubmitForPeerReviewResponse,
    SubmitPeerReviewResponse,
    WithdrawPromotionResponse,
)
from boomi_promo.actions.runner import execute_action, prepare_action
from boomi_promo.actions.scripts import ValidateScriptResponse
from boomi_promo.actions.status import (
    PromotionItem,
    QueryStatusResponse,
    QueryTestDeploymentsResponse,
    TestDeploymentItem,
)
from boomi_promo.boomi.models import EnvironmentMapExtension
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.web.messages import humanized

if TYPE_CHECKING:
    from boomi_promo.bootstrap import Container
    from boomi_promo.store import Job

ResponseT = TypeVar("ResponseT", bound=ResponseProfile)

EXECUTE_PROMOTION = "executePromotion"
COPY_EXTENSIONS_TEST_TO_PROD = "copyExtensionsTestToProd"
PACKAGE_AND_DEPLOY = "packageAndDeploy"
SUBMIT_ADMIN_REVIEW = "submitAdminReview"


async def _run_action(
    container: Container, name: str, payload: Mapping[str, Any], principal: Principal
) -> ResponseProfile:
    """Every action the dashboard runs: refusals come back worded for people (web/messages)."""
    try:
        return await execute_action(container, name, payload, principal)
    except PromoError as exc:
        raise humanized(exc) from exc


async def run(
    container: Container,
    principal: Principal,
    action: str,
    payload: Mapping[str, Any],
    response_model: type[ResponseT],
) -> ResponseT:
    """Any short action, its answer as ``response_model``."""
    response = await _run_action(container, action, payload, principal)
    return response_model.model_validate(response.model_dump())


async def dev_accounts(container: Container, principal: Principal) -> list[DevAccountItem]:
    response = await _run_action(container, "getDevAccounts", {}, principal)
    return GetDevAccountsResponse.model_validate(response).dev_accounts


async def dev_packages(
    container: Container, principal: Principal, dev_account_id: str
) -> list[PackageItem]:
    response = await _run_action(
        container, "listDevPackages", {"devAccountId": dev_account_id}, principal
    )
    return ListDevPackagesResponse.model_validate(response).packages


async def resolve_dependencies(
    container: Container, principal: Principal, dev_account_id: str, root_component_id: str
) -> ResolveDependenciesResponse:
    response = await _run_action(
        container,
        "resolveDependencies",
        {"devAccountId": dev_account_id, "rootComponentId": root_component_id},
        principal,
    )
    return ResolveDependenciesResponse.model_validate(response)


async def submit_job(
    container: Container, principal: Principal, action: str, payload: Mapping[str, Any]
) -> str:
    """Start a long action as a job (checks that refuse at once raise here); its job id."""
    try:
        spec, request = prepare_action(action, payload, principal)
        job = await container.jobs.submit(spec, request, principal)
    except PromoError as exc:
        raise humanized(exc) from exc
    return job.id


async def submit_promotion(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> str:
    """Start executePromotion as a job; its job id."""
    return await submit_job(container, principal, EXECUTE_PROMOTION, payload)


async def promotions(
    container: Container, principal: Principal, filters: Mapping[str, Any]
) -> QueryStatusResponse:
    """queryStatus: the promotions the caller may see that match ``filters``, newest first."""
    response = await _run_action(container, "queryStatus", filters, principal)
    return QueryStatusResponse.model_validate(response)


async def promotion(
    container: Container, principal: Principal, promotion_id: str
) -> PromotionItem | None:
    """One promotion by id, or None when there is none the caller may see."""
    found = await promotions(container, principal, {"promotionId": promotion_id, "pageSize": 1})
    return found.promotions[0] if found.promotions else None


async def test_deployments(container: Container, principal: Principal) -> list[TestDeploymentItem]:
    """queryTestDeployments: tested deployments not yet on their way to production."""
    response = await _run_action(container, "queryTestDeployments", {}, principal)
    return QueryTestDeploymentsResponse.model_validate(response).test_deployments


async def component_diff(
    container: Container,
    principal: Principal,
    promotion_id: str,
    prod_component_id: str,
    component_action: str,
) -> GenerateComponentDiffResponse:
    payload = {
        "promotionId": promotion_id,
        "prodComponentId": prod_component_id,
        "componentAction": component_action or None,
    }
    response = await _run_action(container, "generateComponentDiff", payload, principal)
    return GenerateComponentDiffResponse.model_validate(response)


async def job(container: Container, principal: Principal, job_id: str) -> Job:
    """The job, if the caller started it or is an admin; else ``NotFound``."""
    return await container.jobs.get(job_id, principal)


def watch_job(container: Container, principal: Principal, job_id: str) -> AsyncIterator[Job]:
    """Each change of the job until it has finished."""
    return container.jobs.watch(job_id, principal)


async def manage_mappings(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> ManageMappingsResponse:
    response = await _run_action(container, "manageMappings", payload, principal)
    return ManageMappingsResponse.model_validate(response)


async def peer_review_queue(
    container: Container,
    principal: Principal,
    *,
    page: int = 1,
    page_size: int = 50,
    promotion_id: str | None = None,
) -> QueryPeerReviewQueueResponse:
    """queryPeerReviewQueue: one page of what the caller may peer review (never their own)."""
    payload = {"page": page, "pageSize": page_size, "promotionId": promotion_id}
    response = await _run_action(container, "queryPeerReviewQueue", payload, principal)
    return QueryPeerReviewQueueResponse.model_validate(response)


async def submit_peer_review(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> SubmitPeerReviewResponse:
    response = await _run_action(container, "submitPeerReview", payload, principal)
    return SubmitPeerReviewResponse.model_validate(response)


async def submit_for_peer_review(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> SubmitForPeerReviewResponse:
    response = await _run_action(container, "submitForPeerReview", payload, principal)
    return SubmitForPeerReviewResponse.model_validate(response)


async def withdraw_promotion(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> WithdrawPromotionResponse:
    response = await _run_action(container, "withdrawPromotion", payload, principal)
    return WithdrawPromotionResponse.model_validate(response)


async def cancel_test_deployment(
    container: Container, principal: Principal, promotion_id: str, *, reason: str | None = None
) -> CancelTestDeploymentResponse:
    response = await _run_action(
        container,
        "cancelTestDeployment",
        {"promotionId": promotion_id, "reason": reason},
        principal,
    )
    return CancelTestDeploymentResponse.model_validate(response)


async def abandon_deployment(
    container: Container, principal: Principal, promotion_id: str, *, reason: str
) -> AbandonDeploymentResponse:
    """abandonDeployment: a failed production deployment given up (admins only)."""
    response = await _run_action(
        container,
        "abandonDeployment",
        {"promotionId": promotion_id, "reason": reason},
        principal,
    )
    return AbandonDeploymentResponse.model_validate(response)


async def reject_as_admin(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> SubmitAdminReviewResponse:
    """submitAdminReview REJECTED, waited for: a rejection only records and deletes a branch."""
    response = await _run_action(
        container, SUBMIT_ADMIN_REVIEW, {**payload, "decision": "REJECTED"}, principal
    )
    return SubmitAdminReviewResponse.model_validate(response)


async def integration_packs(
    container: Container, principal: Principal, purpose: str, process_name: str
) -> ListIntegrationPacksResponse:
    """listIntegrationPacks for one purpose (TEST or PRODUCTION), with the process's usual pack."""
    payload = {"packPurpose": purpose, "suggestForProcess": process_name or None}
    response = await _run_action(container, "listIntegrationPacks", payload, principal)
    return ListIntegrationPacksResponse.model_validate(response)


async def release_status(
    container: Container, principal: Principal, promotion_id: str
) -> list[ReleaseItem]:
    """checkReleaseStatus: every release of the promotion (and of the test it came from)."""
    response = await _run_action(
        container, "checkReleaseStatus", {"promotionId": promotion_id}, principal
    )
    return CheckReleaseStatusResponse.model_validate(response).releases


async def client_accounts(container: Container, principal: Principal) -> list[ClientAccountItem]:
    """listClientAccounts: the client accounts the caller's groups manage (admins: all)."""
    response = await _run_action(container, "listClientAccounts", {}, principal)
    return ListClientAccountsResponse.model_validate(response).client_accounts


async def extensions(
    container: Container, principal: Principal, client_account_id: str, environment_id: str
) -> GetExtensionsResponse:
    """getExtensions: the environment's extensions with the caller's access to each component."""
    response = await _run_action(
        container,
        "getExtensions",
        {"clientAccountId": client_account_id, "environmentId": environment_id},
        principal,
    )
    return GetExtensionsResponse.model_validate(response)


async def update_extensions(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> UpdateExtensionsResponse:
    """updateExtensions: a partial update; refusals (nothing saved) raise with ``errors``."""
    response = await _run_action(container, "updateExtensions", payload, principal)
    return UpdateExtensionsResponse.model_validate(response)


async def map_extension(
    container: Container,
    principal: Principal,
    client_account_id: str,
    environment_id: str,
    map_extension_id: str,
) -> EnvironmentMapExtension:
    """getMapExtension: one map extension of an environment, for its viewer and editor, with
    the version it was read at (``None`` against Boomi, where its fingerprint serves)."""
    response = await _run_action(
        container,
        "getMapExtension",
        {
            "clientAccountId": client_account_id,
            "environmentId": environment_id,
            "mapExtensionId": map_extension_id,
        },
        principal,
    )
    found = GetMapExtensionResponse.model_validate(response)
    extension = EnvironmentMapExtension.model_validate(json.loads(found.map_extension_data))
    return extension.model_copy(update={"version": found.version})


async def update_map_extension(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> UpdateMapExtensionResponse:
    """updateMapExtension: a change set against the version read (409 when it changed)."""
    response = await _run_action(container, "updateMapExtension", payload, principal)
    return UpdateMapExtensionResponse.model_validate(response)


async def validate_script(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> ValidateScriptResponse:
    """validateScript: parse only, never run."""
    response = await _run_action(container, "validateScript", payload, principal)
    return ValidateScriptResponse.model_validate(response)
