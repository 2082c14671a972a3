"""executePromotion when Boomi carries out a create but its answer is lost (issue 13).

The emulator's ``loseAnswer`` fault runs the request, then drops the connection or answers a
5xx. The promotion must complete, and Boomi must not hold any object twice: the client looked
the object up by its natural key instead of creating it again.
"""

from __future__ import annotations

import pytest

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.promotion.support import duplicated_objects, promote, store_of
from tests.support.service import DemoService

CREATES = [
    # (the create's path, the answer the caller gets instead of the result)
    (r"/Folder$", None),
    (r"/Folder$", 503),
    (r"/Branch$", None),
    (r"/Branch$", 502),
    (r"/Component$", None),
    (r"/Component$", 503),
]


@pytest.mark.parametrize(
    ("path", "answer"),
    CREATES,
    ids=[f"{path.strip('/$')}-{answer or 'dropped'}" for path, answer in CREATES],
)
async def test_a_promotion_completes_without_duplicates_when_a_create_answer_is_lost(
    demo_service: DemoService, path: str, answer: int | None
) -> None:
    state = demo_service.emulator.state
    before = duplicated_objects(demo_service)
    hits: list[None] = []
    state.faults.add(
        path,
        method="POST",
        lose_answer=True,
        status=answer,
        count=1,
        on_match=lambda: hits.append(None),
    )

    response = await promote(demo_service, demo_service.seed.full_tree_package_id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    async with store_of(demo_service) as uow:
        log = await uow.promotions.get(body["promotionId"])
    assert log is not None and log.status == PromotionStatus.COMPLETED
    assert hits, f"the fault never fired on POST {path}"
    assert duplicated_objects(demo_service) == before
    results = body["promotionResults"]
    written = [r["prodComponentId"] for r in results if r["action"] in ("CREATED", "UPDATED")]
    assert len(written) == len(set(written)), "every dev component has its own prod component"
