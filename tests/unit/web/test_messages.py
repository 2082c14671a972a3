"""Every error a person can meet in the dashboard reads as a sentence in their words, with the
next step; API field names and Boomi's own text go to the details."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from boomi_promo.errors import InvalidRequest, PromoError, UpstreamFailure
from boomi_promo.web.messages import MESSAGES, for_people, humanized, names_api_terms
from tests.unit.web.support import FakeActions, csrf_token_in, promotion_item, sign_in

SOURCE = Path(__file__).resolve().parents[3] / "src" / "boomi_promo"
RAISED = re.compile(r'error_code(?:: ClassVar\[str\])?\s*=\s*"([A-Z][A-Z_]+)"')
NOT_SHOWN_IN_THE_DASHBOARD = {
    # The remote CLI's own failures (promo remote) and the sign-in flow's, never a page's.
    "INVALID_SERVICE_URL",
    "NOT_A_PROMO_SERVICE",
    "SERVICE_TIMEOUT",
    "SERVICE_UNREACHABLE",
    "TOKEN_MISSING",
    "URL_MISSING",
    "INVALID_JOB",
    "JOB_NOT_FOUND",
    "WAIT_TIMEOUT",
    "UNKNOWN_ACTION",
    "UNAUTHENTICATED",
    "IDENTITY_PROVIDER_UNAVAILABLE",
    "SERVICE_UNAVAILABLE",
}


def raised_codes() -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "emulator" in path.parts:
            continue
        found.update(RAISED.findall(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_sentence_is_in_peoples_words(code: str) -> None:
    sentence = MESSAGES[code]

    assert not names_api_terms(sentence), f"{code}: names an API field or quotes Boomi"
    assert sentence[0].isupper() and sentence.rstrip().endswith("."), code
    assert not re.search(r"\b[A-Z]{3,}_[A-Z_]+\b", sentence), f"{code}: shows an error code"


def test_every_error_code_the_dashboard_can_show_has_a_sentence() -> None:
    missing = raised_codes() - NOT_SHOWN_IN_THE_DASHBOARD - set(MESSAGES)

    assert missing == set(), sorted(missing)


def test_a_boomi_failure_is_reworded_and_its_text_kept_as_details() -> None:
    raw = UpstreamFailure(
        "Boomi POST /Component/3eb0 answered HTTP 400 Bad Request: ComponentId 3eb0 is invalid "
        "on branch promo-1.",
        error_code="BOOMI_BAD_REQUEST",
        status_code=502,
    )

    said = humanized(raw)

    assert said.message == MESSAGES["BOOMI_BAD_REQUEST"]
    assert said.status_code == 502
    assert said.error_code == "BOOMI_BAD_REQUEST"
    assert "ComponentId 3eb0" in said.details["technical"]


@pytest.mark.parametrize(
    "raw",
    [
        InvalidRequest("A new pack needs newPackName.", field="newPackName"),
        InvalidRequest(
            "Field 'decision': Input should be 'APPROVED' or 'REJECTED'.", field="decision"
        ),
    ],
)
def test_a_message_naming_api_fields_is_reworded(raw: PromoError) -> None:
    said = for_people(raw)

    assert not names_api_terms(said.text)
    assert raw.message in said.details


def test_a_message_written_for_people_is_kept() -> None:
    raw = InvalidRequest(
        "Say why you reject it in Comments: the developer reads them to know what to change."
    )

    assert humanized(raw) is raw


async def test_a_refusal_page_speaks_to_people_and_keeps_the_details(
    client: Any, actions: FakeActions
) -> None:
    actions.workflow.promotions = [promotion_item(status="COMPLETED")]
    actions.refusals["submitForPeerReview"] = UpstreamFailure(
        "Boomi POST /Branch answered HTTP 400 Bad Request: packageId pkg-1 is invalid.",
        error_code="BOOMI_BAD_REQUEST",
        status_code=502,
    )
    await sign_in(client, "alice@example.com")
    page = await client.get("/promotions/promo-orders-sync")

    refused = await client.post(
        "/promotions/promo-orders-sync/hotfix",
        data={"csrf_token": csrf_token_in(page.text), "justification": "Orders are lost."},
    )

    assert refused.status_code == 502
    assert MESSAGES["BOOMI_BAD_REQUEST"] in refused.text
    assert "<summary>Details</summary>" in refused.text
    assert "packageId pkg-1 is invalid" in refused.text.split("<summary>Details</summary>")[1]
