"""Extension saves awaiting confirmation live in the store: any replica may confirm them, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from boomi_promo.store import PendingExtensionEdit, UnitOfWorkFactory
from boomi_promo.web.extension_editing import ComponentChange
from boomi_promo.web.pending_edits import PENDING_EDIT_LIFETIME, PendingEdit, PendingEdits

SECRET = "s3cr3t-typed-in"
SESSION_SECRET = "x" * 40


def an_edit(email: str = "alice@example.com") -> PendingEdit:
    return PendingEdit(
        email=email,
        client_account_id="client-co",
        stage="test",
        environment_id="env-test",
        environment_name="Test",
        payload=f'{{"connections": [{{"password": "{SECRET}"}}], "partial": true}}',
        changes=[ComponentChange("conn-1", "Orders API", "connection", ["password changed"])],
    )


async def test_one_replica_keeps_it_and_another_confirms_it_exactly_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first, second = (PendingEdits(uow_factory, SESSION_SECRET) for _ in range(2))
    token = await first.put(an_edit())

    assert await second.take(token, "bob@example.com") is None, "only its author may confirm it"
    taken = await second.take(token, "Alice@Example.com")
    assert taken == an_edit()
    assert await first.take(token, "alice@example.com") is None, "confirmed once only"


async def test_it_is_sealed_in_the_store_and_useless_under_another_session_secret(
    uow_factory: UnitOfWorkFactory,
) -> None:
    token = await PendingEdits(uow_factory, SESSION_SECRET).put(an_edit())

    async with uow_factory() as uow:
        stored = (await uow.session.execute(select(PendingExtensionEdit))).scalars().one()
    assert SECRET not in stored.sealed
    assert token not in stored.token_hash
    assert await PendingEdits(uow_factory, "y" * 40).take(token, "alice@example.com") is None


async def test_an_old_one_has_expired_and_is_purged_by_the_next_save(
    uow_factory: UnitOfWorkFactory,
) -> None:
    edits = PendingEdits(uow_factory, SESSION_SECRET)
    old = await edits.put(an_edit())
    long_ago = datetime.now(UTC) - PENDING_EDIT_LIFETIME - timedelta(minutes=1)
    async with uow_factory() as uow:
        await uow.session.execute(update(PendingExtensionEdit).values(created_at=long_ago))
        await uow.commit()

    assert await edits.take(old, "alice@example.com") is None
    await edits.put(an_edit())
    async with uow_factory() as uow:
        rows = (await uow.session.execute(select(PendingExtensionEdit))).scalars().all()
    assert len(rows) == 1
