"""Jobs: claimed by one worker, progress recorded, found again after a restart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boomi_promo.store.errors import JobNotFoundError
from boomi_promo.store.tables import Job, JobState, utcnow


def _job(action: str = "executePromotion") -> Job:
    return Job(
        action=action,
        process_name="C · PROMO - Execute Promotion",
        request={"devAccountId": "dev-team-a", "components": []},
        principal_email="alice@example.com",
        dev_account_id="dev-team-a",
    )


async def test_job_lifecycle(uow_factory):
    async with uow_factory() as uow:
        job = await uow.jobs.add(_job())
        await uow.commit()
    assert job.state is JobState.QUEUED

    async with uow_factory() as uow:
        assert await uow.jobs.claim(job.id, "worker-1") is True
        assert await uow.jobs.claim(job.id, "worker-2") is False
        await uow.jobs.update_progress(
            job.id, step="promote", current=3, total=9, message="Orders Map"
        )
        await uow.jobs.set_promotion(job.id, "promo-1")
        await uow.commit()

    async with uow_factory() as uow:
        running = await uow.jobs.get(job.id)
        assert running is not None
        assert running.state is JobState.RUNNING
        assert running.owner == "worker-1"
        assert running.progress == {
            "step": "promote",
            "current": 3,
            "total": 9,
            "message": "Orders Map",
        }
        assert running.started_at is not None
        assert [j.id for j in await uow.jobs.list_for_promotion("promo-1")] == [job.id]
        await uow.jobs.finish(
            job.id, state=JobState.SUCCEEDED, response={"success": True}, http_status=200
        )
        await uow.commit()

    async with uow_factory() as uow:
        done = await uow.jobs.get(job.id)
        unfinished = await uow.jobs.list_unfinished()
    assert done is not None
    assert (done.state, done.response, done.http_status) == (
        JobState.SUCCEEDED,
        {"success": True},
        200,
    )
    assert done.finished_at is not None
    assert unfinished == []


async def test_unfinished_and_stale_jobs_are_found_after_a_restart(uow_factory):
    async with uow_factory() as uow:
        queued = await uow.jobs.add(_job())
        running = await uow.jobs.add(_job("packageAndDeploy"))
        finished = await uow.jobs.add(_job("copyExtensionsTestToProd"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.jobs.claim(running.id, "worker-1")
        assert await uow.jobs.claim(finished.id, "worker-1")
        await uow.jobs.finish(finished.id, state=JobState.FAILED, response=None, http_status=502)
        await uow.commit()

    async with uow_factory() as uow:
        unfinished = await uow.jobs.list_unfinished()
        stale_now = await uow.jobs.list_stale(utcnow() + timedelta(seconds=1))
        stale_an_hour_ago = await uow.jobs.list_stale(utcnow() - timedelta(hours=1))
        assert await uow.jobs.heartbeat(running.id, "worker-2") is False
        assert await uow.jobs.heartbeat(running.id, "worker-1") is True
        assert await uow.jobs.requeue(running.id) is True
        await uow.commit()

    assert {job.id for job in unfinished} == {queued.id, running.id}
    assert [job.id for job in stale_now] == [running.id]
    assert stale_an_hour_ago == []
    async with uow_factory() as uow:
        requeued = await uow.jobs.get(running.id)
    assert requeued is not None
    assert (requeued.state, requeued.owner) == (JobState.QUEUED, None)


async def test_unknown_job_and_unfinished_final_state_are_refused(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(JobNotFoundError):
            await uow.jobs.update_progress("missing", step="x")
        with pytest.raises(JobNotFoundError):
            await uow.jobs.finish("missing", state=JobState.FAILED, response=None, http_status=500)
        with pytest.raises(ValueError, match="not a finished state"):
            await uow.jobs.finish(
                "missing", state=JobState.RUNNING, response=None, http_status=None
            )
        assert await uow.jobs.get("missing") is None
