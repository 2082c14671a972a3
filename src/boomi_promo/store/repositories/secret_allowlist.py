"""Values an admin has confirmed are not secrets, per component and location."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from boomi_promo.store.repositories.base import Page, distinct, paged, rowcount, upsert
from boomi_promo.store.tables import SecretAllowlistEntry


class SecretAllowlistRepository:
    """Secret findings accepted as false positives, one row per (component, location)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, component_id: str, location: str) -> SecretAllowlistEntry | None:
        return await self._session.scalar(
            select(SecretAllowlistEntry).where(
                SecretAllowlistEntry.component_id == component_id,
                SecretAllowlistEntry.location_key == location_key(location),
            )
        )

    async def add(self, entry: SecretAllowlistEntry) -> SecretAllowlistEntry:
        """Insert, or replace the reason and details of the entry for the same finding."""
        entry.location_key = location_key(entry.location)
        return await upsert(self._session, entry, ("component_id", "location_key"))

    async def delete(self, component_id: str, location: str) -> bool:
        """Remove an entry; ``False`` when there was none."""
        result = await self._session.execute(
            delete(SecretAllowlistEntry).where(
                SecretAllowlistEntry.component_id == component_id,
                SecretAllowlistEntry.location_key == location_key(location),
            )
        )
        return rowcount(result) > 0

    async def for_components(
        self, component_ids: Iterable[str]
    ) -> dict[tuple[str, str], SecretAllowlistEntry]:
        """The entries of these components, by (component id, location)."""
        ids = distinct(component_ids)
        if not ids:
            return {}
        rows = await self._session.scalars(
            select(SecretAllowlistEntry).where(SecretAllowlistEntry.component_id.in_(ids))
        )
        return {(row.component_id, row.location): row for row in rows}

    async def query(
        self,
        *,
        component_id: str | None = None,
        dev_account_id: str | None = None,
        page: int = 1,
        page_size: int = 100,
    ) -> Page[SecretAllowlistEntry]:
        conditions: list[ColumnElement[bool]] = []
        if component_id is not None:
            conditions.append(SecretAllowlistEntry.component_id == component_id)
        if dev_account_id is not None:
            conditions.append(SecretAllowlistEntry.dev_account_id == dev_account_id)
        order = [
            SecretAllowlistEntry.component_name,
            SecretAllowlistEntry.component_id,
            SecretAllowlistEntry.location,
        ]
        return await paged(self._session, SecretAllowlistEntry, conditions, order, page, page_size)


def location_key(location: str) -> str:
    """The allowlist's match key for a finding's location (see :class:`SecretAllowlistEntry`)."""
    return hashlib.sha256(location.encode("utf-8")).hexdigest()
