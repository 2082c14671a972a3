"""Which SSO groups may use which dev accounts (DevAccountAccess)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from boomi_promo.store.repositories.base import distinct, upsert
from boomi_promo.store.tables import DevAccountAccess


class DevAccountAccessRepository:
    """Which team SSO groups may promote from which dev accounts."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, sso_group_id: str, dev_account_id: str) -> DevAccountAccess | None:
        return await self._session.scalar(
            select(DevAccountAccess).where(
                DevAccountAccess.sso_group_id == sso_group_id,
                DevAccountAccess.dev_account_id == dev_account_id,
            )
        )

    async def upsert(self, access: DevAccountAccess) -> DevAccountAccess:
        return await upsert(self._session, access, ("sso_group_id", "dev_account_id"))

    async def list_active_for_groups(self, group_ids: Iterable[str]) -> list[DevAccountAccess]:
        """Active grants of any of the groups; an account granted twice appears twice."""
        groups = distinct(group_ids)
        if not groups:
            return []
        return await self._list(
            DevAccountAccess.is_active.is_(True), DevAccountAccess.sso_group_id.in_(groups)
        )

    async def list_all_active(self) -> list[DevAccountAccess]:
        return await self._list(DevAccountAccess.is_active.is_(True))

    async def list_all(self) -> list[DevAccountAccess]:
        return await self._list()

    async def list_active_for_dev_account(self, dev_account_id: str) -> list[DevAccountAccess]:
        """The groups that may work in a dev account (for extension access)."""
        return await self._list(
            DevAccountAccess.is_active.is_(True),
            DevAccountAccess.dev_account_id == dev_account_id,
        )

    async def is_granted(self, group_ids: Iterable[str], dev_account_id: str) -> bool:
        groups = distinct(group_ids)
        if not groups:
            return False
        found = await self._session.scalar(
            select(DevAccountAccess.id)
            .where(
                DevAccountAccess.is_active.is_(True),
                DevAccountAccess.dev_account_id == dev_account_id,
                DevAccountAccess.sso_group_id.in_(groups),
            )
            .limit(1)
        )
        return found is not None

    async def _list(self, *conditions: ColumnElement[bool]) -> list[DevAccountAccess]:
        rows = await self._session.scalars(
            select(DevAccountAccess)
            .where(*conditions)
            .order_by(
                DevAccountAccess.dev_account_name,
                DevAccountAccess.dev_account_id,
                DevAccountAccess.sso_group_id,
            )
        )
        return list(rows)
