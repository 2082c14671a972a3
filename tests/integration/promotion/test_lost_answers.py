"""executePromotion when Boomi carries out a create but its answer is lost (issue 13).

The emulator's ``loseAnswer`` fault runs the request, then drops the connection or answers a
5xx. The promotion must complete, and Boomi must not hold any object twice: the client looked
the object up by its natural key instead of creating it again.
"""

from __future__ import annotations

import pytest

from boomi_promo.boomi.models import BNS_NAMESPACE as BNS
from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.promotion.support import (
    add_dev_component,
    duplicated_objects,
    promote,
    read_on_branch,
    store_of,
)
from tests.support.service import DemoService
from tests.support.workflow import package

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


async def twin_tree(service: DemoService) -> tuple[list[str], str]:
    """Two new dev profiles of one name and type in one folder (Boomi allows it) and a process
    using both; the twins' ids and the process's package."""
    twins = [
        add_dev_component(
            service,
            f'<bns:Component xmlns:bns="{BNS}" name="Twin Profile" type="profile.xml">'
            f'<bns:object><XMLProfile xmlns="" strict="{strict}"/></bns:object>'
            "</bns:Component>",
        )
        for strict in ("true", "false")
    ]
    shapes = "".join(
        f'<shape name="map{n}"><profile id="{t}"/></shape>' for n, t in enumerate(twins)
    )
    process = add_dev_component(
        service,
        f'<bns:Component xmlns:bns="{BNS}" name="Twin Sync" type="process"><bns:object>'
        f'<process xmlns=""><shapes>{shapes}</shapes></process></bns:object></bns:Component>',
    )
    return twins, await package(service, process)


async def test_a_lost_create_answer_is_not_taken_for_a_same_named_sibling(
    demo_service: DemoService,
) -> None:
    """After a lost answer the lookup by name must not hand the second twin the first's master."""
    twins, package_id = await twin_tree(demo_service)
    hits: list[None] = []
    # The second create of the run lands, but its caller never hears of it.
    demo_service.emulator.state.faults.add(
        r"/Component$",
        method="POST",
        lose_answer=True,
        status=503,
        skip=1,
        count=1,
        on_match=lambda: hits.append(None),
    )

    response = await promote(demo_service, package_id)

    assert response.status_code == 200, response.text
    assert hits, "the fault never fired"
    body = response.json()
    masters = {
        r["devComponentId"]: r["prodComponentId"]
        for r in body["promotionResults"]
        if r["devComponentId"] in twins
    }
    assert set(masters) == set(twins)
    assert len(set(masters.values())) == 2, "each twin has its own master"
    for twin, strict in zip(twins, ("true", "false"), strict=True):
        written = read_on_branch(demo_service, masters[twin], body["branchId"])
        assert f'strict="{strict}"'.encode() in written.xml


async def test_same_named_creates_never_run_together(demo_service: DemoService) -> None:
    """Were both in flight when one answer is lost, the lookup could not tell them apart."""
    _, package_id = await twin_tree(demo_service)
    state = demo_service.emulator.state
    state.faults.add(r"/Component$", method="POST", latency=0.3)
    state.request_log.clear()

    response = await promote(demo_service, package_id)

    assert response.status_code == 200, response.text
    twin_creates = sorted(
        (r.time, r.time + r.duration)
        for r in state.request_log.entries()
        if r.method == "POST"
        and r.path.endswith("/Component")
        and b'name="Twin Profile"' in (r.request_body or b"")
    )
    assert len(twin_creates) == 2
    (_, first_end), (second_start, _) = twin_creates
    assert second_start >= first_end, "the second twin was created while the first still was"
