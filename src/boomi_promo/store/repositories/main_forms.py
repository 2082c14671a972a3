"""What main is known to hold, per prod component: the promoted form and its version there."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from boomi_promo.store.repositories.base import distinct, upsert
from boomi_promo.store.tables import MainComponentForm


class MainComponentFormRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_many(
        self, prod_account_id: str, prod_component_ids: Iterable[str]
    ) -> dict[str, MainComponentForm]:
        """The recorded forms of these prod components, by prod id (unknown ones left out)."""
        ids = distinct(prod_component_ids)
        if not ids:
            return {}
        rows = await self._session.scalars(
            select(MainComponentForm).where(
                MainComponentForm.prod_account_id == prod_account_id,
                MainComponentForm.prod_component_id.in_(ids),
            )
        )
        return {row.prod_component_id: row for row in rows}

    async def record(
        self, prod_account_id: str, prod_component_id: str, *, form_key: str, main_version: int
    ) -> MainComponentForm:
        """Main holds ``form_key`` at ``main_version`` (replacing what was recorded)."""
        return await upsert(
            self._session,
            MainComponentForm(
                prod_account_id=prod_account_id,
                prod_component_id=prod_component_id,
                form_key=form_key,
                main_version=main_version,
            ),
            ("prod_account_id", "prod_component_id"),
        )
