"""Client accounts and the SSO groups they serve (ClientAccountConfig)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boomi_promo.store.repositories.base import distinct, rowcount, upsert
from boomi_promo.store.tables import ClientAccountConfig, utcnow


class ClientAccountConfigRepository:
    """Client sub-accounts, their environments and the SSO groups that manage them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, client_account_id: str, sso_group_id: str) -> ClientAccountConfig | None:
        return await self._session.scalar(
            select(ClientAccountConfig).where(
                ClientAccountConfig.client_account_id == client_account_id,
                ClientAccountConfig.sso_group_id == sso_group_id,
            )
        )

    async def upsert(self, config: ClientAccountConfig) -> ClientAccountConfig:
        return await upsert(self._session, config, ("client_account_id", "sso_group_id"))

    async def list_active_for_groups(self, group_ids: Iterable[str]) -> list[ClientAccountConfig]:
        groups = distinct(group_ids)
        if not groups:
            return []
        return await self._list(
            ClientAccountConfig.is_active.is_(True), ClientAccountConfig.sso_group_id.in_(groups)
        )

    async def list_all_active(self) -> list[ClientAccountConfig]:
        return await self._list(ClientAccountConfig.is_active.is_(True))

    async def list_all(self) -> list[ClientAccountConfig]:
        return await self._list()

    async def list_for_client_account(self, client_account_id: str) -> list[ClientAccountConfig]:
        return await self._list(ClientAccountConfig.client_account_id == client_account_id)

    async def find_by_environment(self, environment_id: str) -> list[ClientAccountConfig]:
        """Active configs whose Test or Prod environment is ``environment_id``."""
        return await self._list(
            ClientAccountConfig.is_active.is_(True),
            (ClientAccountConfig.test_environment_id == environment_id)
            | (ClientAccountConfig.prod_environment_id == environment_id),
        )

    async def record_extension_sync(self, client_account_id: str, *, at: datetime, by: str) -> int:
        """Stamp the last Test → Prod extension copy on every config of the client account."""
        result = await self._session.execute(
            update(ClientAccountConfig)
            .where(ClientAccountConfig.client_account_id == client_account_id)
            .values(last_extension_sync_at=at, last_extension_sync_by=by, updated_at=utcnow())
        )
        return rowcount(result)

    async def _list(self, *conditions: ColumnElement[bool]) -> list[ClientAccountConfig]:
        rows = await self._session.scalars(
            select(ClientAccountConfig)
            .where(*conditions)
            .order_by(
                ClientAccountConfig.client_account_name,
                ClientAccountConfig.client_account_id,
                ClientAccountConfig.sso_group_id,
            )
        )
        return list(rows)
