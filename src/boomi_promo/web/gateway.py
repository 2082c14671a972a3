"""The actions the dashboard runs, called exactly as the JSON API calls them, with typed answers.

Refusals and Boomi failures arrive as :class:`boomi_promo.errors.PromoError`; pages show their
``message``, which is written for people. executePromotion runs as a job, as it does for the
API: the dashboard submits it and then follows the job.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from boomi_promo.actions.accounts import DevAccountItem, GetDevAccountsResponse
from boomi_promo.actions.dependencies import ResolveDependenciesResponse
from boomi_promo.actions.mappings import ManageMappingsResponse
from boomi_promo.actions.packages import ListDevPackagesResponse, PackageItem
from boomi_promo.actions.runner import execute_action, prepare_action
from boomi_promo.identity.principal import Principal

if TYPE_CHECKING:
    from boomi_promo.bootstrap import Container
    from boomi_promo.store import Job

EXECUTE_PROMOTION = "executePromotion"


async def dev_accounts(container: Container, principal: Principal) -> list[DevAccountItem]:
    response = await execute_action(container, "getDevAccounts", {}, principal)
    return GetDevAccountsResponse.model_validate(response).dev_accounts


async def dev_packages(
    container: Container, principal: Principal, dev_account_id: str
) -> list[PackageItem]:
    response = await execute_action(
        container, "listDevPackages", {"devAccountId": dev_account_id}, principal
    )
    return ListDevPackagesResponse.model_validate(response).packages


async def resolve_dependencies(
    container: Container, principal: Principal, dev_account_id: str, root_component_id: str
) -> ResolveDependenciesResponse:
    response = await execute_action(
        container,
        "resolveDependencies",
        {"devAccountId": dev_account_id, "rootComponentId": root_component_id},
        principal,
    )
    return ResolveDependenciesResponse.model_validate(response)


async def submit_promotion(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> str:
    """Start executePromotion as a job (checks that refuse at once raise here); its job id."""
    spec, request = prepare_action(EXECUTE_PROMOTION, payload, principal)
    job = await container.jobs.submit(spec, request, principal)
    return job.id


async def job(container: Container, principal: Principal, job_id: str) -> Job:
    """The job, if the caller started it or is an admin; else ``NotFound``."""
    return await container.jobs.get(job_id, principal)


def watch_job(container: Container, principal: Principal, job_id: str) -> AsyncIterator[Job]:
    """Each change of the job until it has finished."""
    return container.jobs.watch(job_id, principal)


async def manage_mappings(
    container: Container, principal: Principal, payload: Mapping[str, Any]
) -> ManageMappingsResponse:
    response = await execute_action(container, "manageMappings", payload, principal)
    return ManageMappingsResponse.model_validate(response)
