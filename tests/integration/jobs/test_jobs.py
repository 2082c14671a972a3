"""Long actions run as jobs: 202 + job URL, progress, server-sent events, recovery after a crash."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import Field
from sqlalchemy import update

from boomi_promo.actions.registry import ACTIONS, ActionSpec, Profile, ResponseProfile
from boomi_promo.engine.context import ActionContext
from boomi_promo.errors import Conflict
from boomi_promo.identity.principal import Tier
from boomi_promo.store import Job, JobState, UnitOfWorkFactory, create_engine
from tests.support.service import DemoService

ALICE = "alice@example.com"
BOB = "bob@example.com"
CAROL = "carol@example.com"


class CountRequest(Profile):
    steps: int = Field(ge=1, le=10)
    fail: bool = False


class CountResponse(ResponseProfile):
    counted: int = 0


@dataclass
class Gate:
    """Lets a test hold the job at a step (the service runs on another thread)."""

    release: threading.Event = field(default_factory=threading.Event)
    recovered: list[str] = field(default_factory=list)
    counted: threading.Event = field(default_factory=threading.Event)
    recovering: threading.Event = field(default_factory=threading.Event)
    hold_recovery: bool = False
    end_recovery: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def count_action() -> Iterator[Gate]:
    gate = Gate()

    async def count(ctx: ActionContext, request: CountRequest) -> CountResponse:
        for n in range(1, request.steps + 1):
            await ctx.progress.report(step="count", current=n, total=request.steps)
            if n == 1:
                while not gate.release.is_set():
                    await asyncio.sleep(0.02)
        gate.counted.set()
        if request.fail:
            raise Conflict("Counting refused.", error_code="COUNT_REFUSED")
        return CountResponse(counted=request.steps)

    async def recover(container: object, job: Job) -> None:
        gate.recovering.set()
        while gate.hold_recovery and not gate.end_recovery.is_set():
            await asyncio.sleep(0.02)
        gate.recovered.append(job.id)

    ACTIONS["countForTest"] = ActionSpec(
        name="countForTest",
        code="T",
        description="Count For Test",
        min_tier=Tier.CONTRIBUTOR,
        request_model=CountRequest,
        response_model=CountResponse,
        handler=count,
        long_running=True,
        recover=recover,
    )
    yield gate
    gate.release.set()
    gate.end_recovery.set()
    del ACTIONS["countForTest"]


async def poll_job_until(uow_factory: UnitOfWorkFactory, job_id: str, state: JobState) -> Job:
    for _ in range(200):
        async with uow_factory() as uow:
            seen = await uow.jobs.get(job_id)
        assert seen is not None
        if seen.state is state:
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {state}")


async def test_respond_async_gives_202_and_a_job_that_reports_progress(
    demo_service: DemoService, count_action: Gate
) -> None:
    async with demo_service.api(ALICE) as client:
        accepted = await client.post(
            "/api/v1/actions/countForTest",
            json={"steps": 3},
            headers={"Prefer": "respond-async"},
        )
        assert accepted.status_code == 202
        job_url = accepted.headers["Location"]
        assert accepted.json()["jobUrl"] == job_url
        assert accepted.json()["processName"] == "T · PROMO - Count For Test"

        for _ in range(100):
            running = (await client.get(job_url)).json()
            if running["progress"].get("current") == 1:
                break
            await asyncio.sleep(0.05)
        assert running["state"] == "RUNNING"
        assert running["progress"] == {"step": "count", "current": 1, "total": 3, "message": ""}

        count_action.release.set()
        events = []
        async with client.stream("GET", f"{job_url}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    events.append(line.removeprefix("event: "))
                if line.startswith("data: ") and events[-1] == "done":
                    final = json.loads(line.removeprefix("data: "))
                    break
    assert events[-1] == "done"
    assert final["state"] == "SUCCEEDED"
    assert final["response"]["counted"] == 3
    assert final["httpStatus"] == 200


async def test_without_the_header_the_call_waits_for_the_response(
    demo_service: DemoService, count_action: Gate
) -> None:
    count_action.release.set()

    response = await demo_service.call(ALICE, "countForTest", {"steps": 2})

    assert response.status_code == 200
    assert response.json() == {"success": True, "errorCode": "", "errorMessage": "", "counted": 2}


async def test_a_failing_job_answers_with_its_typed_error(
    demo_service: DemoService, count_action: Gate
) -> None:
    count_action.release.set()

    response = await demo_service.call(ALICE, "countForTest", {"steps": 1, "fail": True})

    assert response.status_code == 409
    assert response.json()["errorCode"] == "COUNT_REFUSED"


async def test_bad_input_is_refused_before_a_job_exists(
    demo_service: DemoService, count_action: Gate
) -> None:
    async with demo_service.api(ALICE) as client:
        response = await client.post(
            "/api/v1/actions/countForTest",
            json={"steps": 0},
            headers={"Prefer": "respond-async"},
        )
    assert response.status_code == 400
    assert response.json()["errorField"] == "steps"


async def test_a_job_is_visible_to_its_owner_and_admins_only(
    demo_service: DemoService, count_action: Gate
) -> None:
    count_action.release.set()
    async with demo_service.api(ALICE) as alice:
        accepted = await alice.post(
            "/api/v1/actions/countForTest", json={"steps": 1}, headers={"Prefer": "respond-async"}
        )
    job_url = accepted.headers["Location"]

    async with demo_service.api(BOB) as bob:
        assert (await bob.get(job_url)).status_code == 404
    async with demo_service.api(CAROL) as carol:
        assert (await carol.get(job_url)).status_code == 200
    async with demo_service.api() as anonymous:
        assert (await anonymous.get(job_url)).status_code == 401


async def add_job_of_a_killed_process(uow_factory: UnitOfWorkFactory) -> Job:
    """A RUNNING job with a silent heartbeat is what a killed process leaves behind."""
    async with uow_factory() as uow:
        job = await uow.jobs.add(
            Job(
                action="countForTest",
                process_name="T · PROMO - Count For Test",
                request={"steps": 1},
                principal_email=ALICE,
            )
        )
        await uow.jobs.claim(job.id, "a-process-that-was-killed")
        await uow.commit()
    async with uow_factory() as uow:
        await uow.session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(heartbeat_at=datetime.now(UTC) - timedelta(hours=1))
        )
        await uow.commit()
    return job


async def test_a_job_whose_process_died_is_interrupted_and_compensated(
    demo_service: DemoService, count_action: Gate
) -> None:
    engine = create_engine(demo_service.settings.resolved_database_url())
    uow_factory = UnitOfWorkFactory(engine)
    try:
        job = await add_job_of_a_killed_process(uow_factory)
        seen = await poll_job_until(uow_factory, job.id, JobState.INTERRUPTED)
    finally:
        await engine.dispose()

    assert seen.state is JobState.INTERRUPTED
    assert seen.response is not None
    assert seen.response["errorCode"] == "JOB_INTERRUPTED"
    assert count_action.recovered == [job.id]


async def test_a_dead_job_reads_unfinished_until_its_compensation_is_done(
    demo_service: DemoService, count_action: Gate
) -> None:
    """Whoever polls the job and then reads the promotion must never find it half-settled."""
    count_action.hold_recovery = True
    engine = create_engine(demo_service.settings.resolved_database_url())
    uow_factory = UnitOfWorkFactory(engine)
    try:
        job = await add_job_of_a_killed_process(uow_factory)
        recovering = await asyncio.to_thread(count_action.recovering.wait, 10)
        assert recovering, "the dead job was never compensated"
        async with demo_service.api(ALICE) as client:
            during = (await client.get(f"/api/v1/jobs/{job.id}")).json()
        async with uow_factory() as uow:
            owned = await uow.jobs.get(job.id)
        count_action.end_recovery.set()
        seen = await poll_job_until(uow_factory, job.id, JobState.INTERRUPTED)
    finally:
        await engine.dispose()

    assert during["state"] == "RUNNING"
    assert owned is not None and owned.owner != "a-process-that-was-killed"
    assert count_action.recovered == [job.id]
    assert seen.response is not None and seen.response["errorCode"] == "JOB_INTERRUPTED"


async def test_a_job_taken_over_while_it_ran_keeps_the_outcome_of_the_one_that_settled_it(
    demo_service: DemoService, count_action: Gate
) -> None:
    """A runner that stalled past the stale limit and then resumes must not overwrite what the
    process that took its job over as dead recorded."""
    engine = create_engine(demo_service.settings.resolved_database_url())
    uow_factory = UnitOfWorkFactory(engine)
    try:
        async with demo_service.api(ALICE) as client:
            accepted = await client.post(
                "/api/v1/actions/countForTest",
                json={"steps": 2},
                headers={"Prefer": "respond-async"},
            )
            job_id = accepted.json()["jobId"]
            for _ in range(100):
                if (await client.get(f"/api/v1/jobs/{job_id}")).json()["progress"]:
                    break
                await asyncio.sleep(0.05)
        async with uow_factory() as uow:
            await uow.jobs.take_over_if_stale(
                job_id, "another-replica", stale_before=datetime.now(UTC) + timedelta(hours=1)
            )
            await uow.jobs.finish_owned(
                job_id,
                "another-replica",
                state=JobState.INTERRUPTED,
                response={"success": False, "errorCode": "JOB_INTERRUPTED"},
                http_status=503,
            )
            await uow.commit()
        count_action.release.set()
        assert await asyncio.to_thread(count_action.counted.wait, 10), "the count never ended"
        await asyncio.sleep(0.5)  # time enough for the runner to record its outcome
        async with uow_factory() as uow:
            seen = await uow.jobs.get(job_id)
            finished = [
                e.action
                for e in (await uow.audit.list_entries(target_type="job", target_id=job_id)).items
            ]
    finally:
        await engine.dispose()

    assert seen is not None and seen.state is JobState.INTERRUPTED
    assert seen.response == {"success": False, "errorCode": "JOB_INTERRUPTED"}
    assert "job.finished" not in finished
