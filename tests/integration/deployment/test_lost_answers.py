"""Deployments when Boomi carries out a create but its answer is lost (issue 13).

The emulator's ``loseAnswer`` fault runs the request, then drops the connection or answers a
5xx. The deployment must complete, and Boomi must hold no object twice: the client found the
package, pack, merge request or release by its natural key instead of making a second one.
"""

from __future__ import annotations

import pytest

from tests.integration.deployment.support import (
    PROCESS,
    admin_review,
    body_of,
    completed_promotion,
    deploy,
    deployed_to_test,
    production_record,
)
from tests.integration.promotion.support import ALICE, CAROL, duplicated_objects
from tests.support.service import DemoService


class LostAnswer:
    def __init__(self, service: DemoService, path: str, answer: int | None) -> None:
        self.hits = 0
        service.emulator.state.faults.add(
            path, method="POST", lose_answer=True, status=answer, count=1, on_match=self.hit
        )

    def hit(self) -> None:
        self.hits += 1


TEST_CREATES = [
    (r"/PackagedComponent$", None),
    (r"/PublisherIntegrationPack$", 503),
    (r"/ReleaseIntegrationPack$", None),
]


@pytest.mark.parametrize(
    ("path", "answer"),
    TEST_CREATES,
    ids=[f"{path.strip('/$')}-{answer or 'dropped'}" for path, answer in TEST_CREATES],
)
async def test_a_test_deployment_completes_without_duplicates_when_a_create_answer_is_lost(
    demo_service: DemoService, path: str, answer: int | None
) -> None:
    promotion_id = str((await completed_promotion(demo_service))["promotionId"])
    before = duplicated_objects(demo_service)
    lost = LostAnswer(demo_service, path, answer)

    # Mode 1 packages the branch and waits for a pack; mode 4 makes the pack and releases it.
    packaged = body_of(await deploy(demo_service, ALICE, promotionId=promotion_id))
    assert packaged["needsPackAssignment"] is True
    body = body_of(
        await deploy(
            demo_service, CAROL, promotionId=promotion_id, createNewPack=True, newPackName=PROCESS
        )
    )

    assert body["newStatus"] == "TEST_DEPLOYED"
    assert body["testReleaseStatus"] == "SUCCESS"
    assert lost.hits == 1, f"the fault never fired on POST {path}"
    assert duplicated_objects(demo_service) == before


PRODUCTION_CREATES = [
    (r"/MergeRequest$", 502),
    (r"/MergeRequest/execute/", None),
    (r"/PackagedComponent$", 503),
    (r"/PublisherIntegrationPack$", None),
    (r"/ReleaseIntegrationPack$", 503),
]


@pytest.mark.parametrize(
    ("path", "answer"),
    PRODUCTION_CREATES,
    ids=[f"{path.strip('/$')}-{answer or 'dropped'}" for path, answer in PRODUCTION_CREATES],
)
async def test_an_approval_deploys_without_duplicates_when_a_create_answer_is_lost(
    demo_service: DemoService, path: str, answer: int | None
) -> None:
    production_id = await production_record(demo_service, await deployed_to_test(demo_service))
    before = duplicated_objects(demo_service)
    lost = LostAnswer(demo_service, path, answer)

    body = body_of(
        await admin_review(
            demo_service,
            CAROL,
            promotionId=production_id,
            decision="APPROVED",
            createNewPack=True,
            newPackName=PROCESS,
        )
    )

    assert body["newStatus"] == "DEPLOYED"
    assert body["releaseStatus"] == "SUCCESS"
    assert lost.hits == 1, f"the fault never fired on POST {path}"
    assert duplicated_objects(demo_service) == before
