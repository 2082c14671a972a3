"""The unit of work commits only when told to, and runs after-commit work only after it."""

from __future__ import annotations

import pytest

from .records import access


async def _grants(uow_factory) -> list[str]:
    async with uow_factory() as uow:
        return [row.dev_account_id for row in await uow.access.list_all()]


async def test_leaving_without_commit_rolls_back(uow_factory):
    async with uow_factory() as uow:
        await uow.access.upsert(access(dev_account_id="dev-a"))

    assert await _grants(uow_factory) == []


async def test_an_exception_rolls_back(uow_factory):
    with pytest.raises(RuntimeError, match="boom"):
        async with uow_factory() as uow:
            await uow.access.upsert(access(dev_account_id="dev-a"))
            raise RuntimeError("boom")

    assert await _grants(uow_factory) == []


async def test_commit_keeps_the_work(uow_factory):
    async with uow_factory() as uow:
        await uow.access.upsert(access(dev_account_id="dev-a"))
        await uow.commit()

    assert await _grants(uow_factory) == ["dev-a"]


async def test_work_after_a_commit_needs_another_commit(uow_factory):
    async with uow_factory() as uow:
        await uow.access.upsert(access(dev_account_id="dev-a"))
        await uow.commit()
        await uow.access.upsert(access(dev_account_id="dev-b"))

    assert await _grants(uow_factory) == ["dev-a"]


async def test_explicit_rollback_discards_and_the_unit_stays_usable(uow_factory):
    ran: list[str] = []
    async with uow_factory() as uow:
        await uow.access.upsert(access(dev_account_id="dev-a"))
        uow.on_commit(lambda: ran.append("discarded"))
        await uow.rollback()
        await uow.access.upsert(access(dev_account_id="dev-b"))
        await uow.commit()

    assert await _grants(uow_factory) == ["dev-b"]
    assert ran == []


async def test_on_commit_callbacks_run_after_the_commit_is_visible(uow_factory):
    seen: list[tuple[str, list[str]]] = []

    async def start_job() -> None:
        # Another session sees the data: the transaction really is committed by now.
        seen.append(("async", await _grants(uow_factory)))

    async with uow_factory() as uow:
        await uow.access.upsert(access(dev_account_id="dev-a"))
        uow.on_commit(start_job)
        uow.on_commit(lambda: seen.append(("sync", [])))
        assert seen == []
        await uow.commit()
        assert seen == [("async", ["dev-a"]), ("sync", [])]

        # Callbacks run once: a later commit does not repeat them.
        await uow.commit()
    assert len(seen) == 2


async def test_on_commit_callbacks_are_dropped_without_commit(uow_factory):
    ran: list[str] = []
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            uow.on_commit(lambda: ran.append("job started"))
            raise RuntimeError("validation failed")
    async with uow_factory() as uow:
        uow.on_commit(lambda: ran.append("job started"))

    assert ran == []


async def test_a_failing_callback_does_not_stop_the_others_or_undo_the_commit(uow_factory):
    ran: list[str] = []

    def broken() -> None:
        raise ValueError("queue unavailable")

    async with uow_factory() as uow:
        await uow.access.upsert(access(dev_account_id="dev-a"))
        uow.on_commit(broken)
        uow.on_commit(lambda: ran.append("second"))
        with pytest.raises(ValueError, match="queue unavailable"):
            await uow.commit()

    assert ran == ["second"]
    assert await _grants(uow_factory) == ["dev-a"]
