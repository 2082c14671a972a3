"""rollbackRelease finds a process's history by name: two dev accounts with processes of one
name are two histories, never one (issue 15, found 3)."""

from __future__ import annotations

from tests.integration.deployment.support import (
    PROCESS,
    body_of,
    completed_promotion,
    deploy,
    deployed_to_test,
    emulator_pack,
    record,
)
from tests.integration.promotion.support import CAROL, DAVE, team_a
from tests.support.service import DemoService
from tests.support.workflow import add_process_sharing


def team_b(service: DemoService) -> str:
    return next(a.account_id for a in service.seed.dev_accounts if a.name == "Dev Team B")


def a_team_b_profile(service: DemoService) -> str:
    state = service.emulator.state
    with state.lock:
        return next(
            record.component_id
            for record in state.components.values()
            if record.account_id == team_b(service)
            and record.revisions[max(record.revisions)].type.startswith("profile")
        )


async def test_two_dev_accounts_with_one_process_name_keep_two_histories(
    promo_service: DemoService,
) -> None:
    service = promo_service
    first = await deployed_to_test(service)
    second = str((await completed_promotion(service))["promotionId"])
    body_of(await deploy(service, "alice@example.com", promotionId=second))
    # Team B has its own "Customer Sync": another process, its own test pack.
    other = await add_process_sharing(
        service, PROCESS, [a_team_b_profile(service)], account_id=team_b(service)
    )
    theirs = body_of(
        await service.call(
            DAVE, "executePromotion", {"devAccountId": team_b(service), "devPackageId": other}
        )
    )
    waiting = body_of(await deploy(service, DAVE, promotionId=theirs["promotionId"]))
    assert waiting["needsPackAssignment"], "another account's pack is not found by the name"
    body_of(
        await deploy(
            service,
            CAROL,
            promotionId=theirs["promotionId"],
            createNewPack=True,
            newPackName="Team B Customer Sync",
        )
    )

    ambiguous = await service.call(
        CAROL, "rollbackRelease", {"processName": PROCESS, "environment": "TEST"}
    )
    body = body_of(ambiguous, 409)
    assert body["errorCode"] == "AMBIGUOUS_PROCESS"
    assert set(body["devAccountIds"]) == {team_a(service), team_b(service)}

    done = body_of(
        await service.call(
            CAROL,
            "rollbackRelease",
            {"processName": PROCESS, "environment": "TEST", "devAccountId": team_a(service)},
        )
    )
    assert (done["currentPromotionId"], done["previousPromotionId"]) == (second, first)
    theirs_record = await record(service, theirs["promotionId"])
    pack = emulator_pack(service, theirs_record.test_integration_pack_id)
    assert pack.name == "Team B Customer Sync - TEST"
    assert theirs_record.status == "TEST_DEPLOYED", "team B's process was not touched"
