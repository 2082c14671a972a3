"""What the Promotion Status page shows of a job: progress while it runs, results at the end.

Everything comes from the job document (the same one the API serves and streams) and the
request the job was submitted with. Steps are named in plain words; the page's script reads
the same names from the page, so the server and the live updates never disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import ValidationError

from boomi_promo.actions.promotion import MissingConnectionItem, PromotionResultItem
from boomi_promo.actions.secret_allowlist import SecretFindingItem
from boomi_promo.jobs.runner import job_document
from boomi_promo.store import Job

STEP_TITLES = {
    "resolve": "Resolving the dependency tree",
    "validate": "Checking the order and the connection mappings",
    "secrets": "Looking for secrets that cannot be stripped",
    "supersede": "Superseding earlier promotions of this process",
    "delta": "Comparing components with the versions in production",
    "branch": "Creating the promotion branch",
    "promote": "Writing components to the branch",
    "finish": "Recording the mappings",
}
STATE_TITLES = {
    "QUEUED": "Waiting to start",
    "RUNNING": "Starting",
}
RowT = TypeVar("RowT", PromotionResultItem, MissingConnectionItem, SecretFindingItem)


def step_titles_json() -> str:
    """The step names for the page's script, which updates the progress without reloading."""
    return json.dumps({**STATE_TITLES, **STEP_TITLES}, ensure_ascii=False)


@dataclass(frozen=True)
class Progress:
    step: str
    title: str
    current: int | None
    total: int | None
    message: str

    @property
    def position(self) -> str:
        """``component 3 of 12`` while components are written, else nothing."""
        if self.current is None or not self.total:
            return ""
        return f"component {self.current} of {self.total}"


@dataclass(frozen=True)
class PromotionJob:
    job_id: str
    state: str
    process_name: str
    dev_account_id: str
    dev_package_id: str
    progress: Progress
    response: dict[str, Any]
    document: dict[str, Any]
    """The job document, as the event stream sends it."""
    results: list[PromotionResultItem] = field(default_factory=list)
    missing_connections: list[MissingConnectionItem] = field(default_factory=list)
    secret_findings: list[SecretFindingItem] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.state in {"SUCCEEDED", "FAILED", "INTERRUPTED"}

    @property
    def succeeded(self) -> bool:
        return self.state == "SUCCEEDED"

    @property
    def error_message(self) -> str:
        message = str(self.response.get("errorMessage") or "")
        if not message and self.finished and not self.succeeded:
            return "The promotion did not finish; no reason was recorded."
        return message

    @property
    def error_code(self) -> str:
        return str(self.response.get("errorCode") or "")

    @property
    def branch_name(self) -> str:
        return str(self.response.get("branchName") or "")

    @property
    def branch_id(self) -> str:
        return str(self.response.get("branchId") or "")

    @property
    def promotion_id(self) -> str:
        return str(self.response.get("promotionId") or self.document.get("promotionId") or "")

    @property
    def connections_skipped(self) -> int:
        value = self.response.get("connectionsSkipped")
        return value if isinstance(value, int) else 0

    @property
    def review_url(self) -> str:
        if not self.dev_account_id or not self.dev_package_id:
            return ""
        query = urlencode({"account": self.dev_account_id, "package": self.dev_package_id})
        return f"/promote?{query}"

    @property
    def needs_new_review(self) -> bool:
        return self.error_code == "DEPENDENCIES_CHANGED"

    @property
    def nothing_to_promote(self) -> bool:
        """Every component equals production: not a failure to fix, nothing to do."""
        return self.error_code == "NOTHING_TO_PROMOTE"

    def count(self, action: str) -> int:
        return sum(1 for result in self.results if result.action == action)


def promotion_job(job: Job) -> PromotionJob:
    document = job_document(job)
    request = job.request or {}
    metadata = request.get("promotionMetadata") or {}
    response = document.get("response") or {}
    if not isinstance(response, dict):
        response = {}
    return PromotionJob(
        job_id=job.id,
        state=str(document["state"]),
        process_name=str(metadata.get("processName") or ""),
        dev_account_id=str(request.get("devAccountId") or ""),
        dev_package_id=str(request.get("devPackageId") or ""),
        progress=progress_of(document),
        response=response,
        document=document,
        results=_parsed(PromotionResultItem, response.get("promotionResults")),
        missing_connections=_parsed(
            MissingConnectionItem, response.get("missingConnectionMappings")
        ),
        secret_findings=_parsed(SecretFindingItem, response.get("secretFindings")),
    )


def progress_of(document: dict[str, Any]) -> Progress:
    progress = document.get("progress") or {}
    step = str(progress.get("step") or "")
    message = str(progress.get("message") or "")
    title = STEP_TITLES.get(step) or message or STATE_TITLES.get(str(document["state"]), "")
    current, total = progress.get("current"), progress.get("total")
    return Progress(
        step=step,
        title=title,
        current=current if isinstance(current, int) else None,
        total=total if isinstance(total, int) else None,
        message=message,
    )


def _parsed(model: type[RowT], rows: object) -> list[RowT]:
    """Rows of a finished job's response; a row that does not fit the profile is left out."""
    if not isinstance(rows, list):
        return []
    parsed = []
    for row in rows:
        try:
            parsed.append(model.model_validate(row))
        except ValidationError:
            continue
    return parsed
