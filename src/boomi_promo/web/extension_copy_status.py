"""What the job status page shows of a Test → Production extension copy (copyExtensionsTestToProd).

The page follows the job live like a promotion's; its progress steps carry their own
sentences, so the page shows the step's message. At the end it says how many values were
copied, how many encrypted values were left out and which sections Production kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from boomi_promo.jobs.runner import job_document
from boomi_promo.store import Job
from boomi_promo.web.promotion_status import STATE_TITLES, Progress, progress_of

EXTENSION_COPY_ACTIONS = frozenset({"copyExtensionsTestToProd"})
COPY_TITLE = "Copy of extensions from Test to Production"
SECTION_NAMES = {"connections": "connections", "PGPCertificates": "PGP certificates"}


def copy_titles_json() -> str:
    """Only the job states: the page's script then shows each step's own message."""
    return json.dumps(STATE_TITLES, ensure_ascii=False)


def _count(response: dict[str, Any], key: str) -> int:
    value = response.get(key)
    return value if isinstance(value, int) else 0


@dataclass(frozen=True)
class ExtensionCopyJob:
    job_id: str
    state: str
    client_account_id: str
    progress: Progress
    response: dict[str, Any]
    title: str = COPY_TITLE

    @property
    def finished(self) -> bool:
        return self.state in {"SUCCEEDED", "FAILED", "INTERRUPTED"}

    @property
    def succeeded(self) -> bool:
        return self.state == "SUCCEEDED" and self.response.get("success") is not False

    @property
    def fields_copied(self) -> int:
        return _count(self.response, "fieldsCopied")

    @property
    def encrypted_fields_skipped(self) -> int:
        return _count(self.response, "encryptedFieldsSkipped")

    @property
    def sections_excluded(self) -> list[str]:
        raw = self.response.get("sectionsExcluded") or ""
        parts = [str(s) for s in raw] if isinstance(raw, list) else str(raw).split(",")
        return [SECTION_NAMES.get(p.strip(), p.strip()) for p in parts if p.strip()]

    @property
    def summary(self) -> str:
        copied, skipped = self.fields_copied, self.encrypted_fields_skipped
        sentence = f"{copied} value{'' if copied == 1 else 's'} copied to Production"
        if skipped:
            sentence += (
                f"; {skipped} encrypted value{'' if skipped == 1 else 's'} left out "
                "(Production keeps its own secrets)"
            )
        return sentence + "."

    @property
    def error_message(self) -> str:
        message = str(self.response.get("errorMessage") or "")
        if not message and self.finished and not self.succeeded:
            return "The copy did not finish; no reason was recorded."
        return message


def extension_copy_job(job: Job) -> ExtensionCopyJob:
    document = job_document(job)
    response = document.get("response") or {}
    request = job.request or {}
    return ExtensionCopyJob(
        job_id=job.id,
        state=str(document["state"]),
        client_account_id=str(request.get("clientAccountId") or ""),
        progress=progress_of(document),
        response=response if isinstance(response, dict) else {},
    )
