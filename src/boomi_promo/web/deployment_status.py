"""What the job status page shows of a deployment: packageAndDeploy or an admin's approval.

The page follows these jobs the way it follows a promotion (the job document, live through
``/jobs/{id}/events``). Their progress steps carry their own sentences ("Releasing Orders
Sync - TEST"), so the page shows the step's message rather than a title of its own; at the
end it tells what was released where, or why it was not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from boomi_promo.actions.deployment import DeploymentResponse
from boomi_promo.jobs.runner import job_document
from boomi_promo.store import Job
from boomi_promo.web.promotion_status import STATE_TITLES, Progress, progress_of

DEPLOYMENT_ACTIONS = frozenset({"packageAndDeploy", "submitAdminReview"})
APPROVAL_TITLE = "Approval and deployment to production"
_MODE_TITLES = {
    1: "Deployment to Test",
    2: "Deployment to production",
    3: "Hotfix deployment to production",
    4: "Test pack assignment",
}


def deployment_titles_json() -> str:
    """Only the job states: the page's script then shows each step's own message."""
    return json.dumps(STATE_TITLES, ensure_ascii=False)


@dataclass(frozen=True)
class DeploymentJob:
    job_id: str
    action: str
    state: str
    promotion_id: str
    requested_mode: int | None
    progress: Progress
    response: dict[str, Any]
    outcome: DeploymentResponse | None
    """The action's response once it has succeeded."""

    @property
    def finished(self) -> bool:
        return self.state in {"SUCCEEDED", "FAILED", "INTERRUPTED"}

    @property
    def succeeded(self) -> bool:
        return self.state == "SUCCEEDED" and self.outcome is not None

    @property
    def is_approval(self) -> bool:
        return self.action == "submitAdminReview"

    @property
    def title(self) -> str:
        """The same while the job runs and after: the page's heading does not change."""
        if self.is_approval:
            return APPROVAL_TITLE
        return _MODE_TITLES.get(self.requested_mode or 0, "Deployment")

    @property
    def error_message(self) -> str:
        message = str(self.response.get("errorMessage") or "")
        if not message and self.finished and not self.succeeded:
            return "The deployment did not finish; no reason was recorded."
        return message

    @property
    def summary(self) -> str:
        """What the finished deployment did, in one sentence."""
        outcome = self.outcome
        if outcome is None:
            return ""
        # Boomi's number for the package, named as every page names it (the version story).
        to_production = outcome.deployment_target == "PRODUCTION"
        label = "Production package" if to_production else "Test package"
        version = f" as {label} {outcome.package_version}" if outcome.package_version else ""
        if outcome.needs_pack_assignment:
            return (
                f"Packaged{version}. This is the process's first test deployment: it is "
                "waiting for an admin to choose a Test integration pack."
            )
        if outcome.deployment_target == "TEST":
            pack = outcome.integration_pack_name or outcome.test_integration_pack_name
            return f"Packaged{version} and released to the Test integration pack {pack}."
        sentence = (
            f"Merged into main, packaged{version} and released to the production "
            f"integration pack {outcome.integration_pack_name}."
        )
        if outcome.test_integration_pack_name and not outcome.test_release_error:
            sentence += f" Also released to the test pack {outcome.test_integration_pack_name}."
        return sentence

    @property
    def test_release_problem(self) -> str:
        if self.outcome is None or not self.outcome.test_release_error:
            return ""
        return (
            "The release to the test pack did not happen (production is not affected): "
            f"{self.outcome.test_release_error}"
        )


def deployment_job(job: Job) -> DeploymentJob:
    document = job_document(job)
    request = job.request or {}
    response = document.get("response") or {}
    if not isinstance(response, dict):
        response = {}
    mode = request.get("mode")
    return DeploymentJob(
        job_id=job.id,
        action=job.action,
        state=str(document["state"]),
        promotion_id=str(request.get("promotionId") or job.promotion_id or ""),
        requested_mode=mode if isinstance(mode, int) else None,
        progress=progress_of(document),
        response=response,
        outcome=_outcome(document["state"], response),
    )


def _outcome(state: object, response: dict[str, Any]) -> DeploymentResponse | None:
    if state != "SUCCEEDED":
        return None
    try:
        return DeploymentResponse.model_validate(response)
    except ValidationError:
        return None
