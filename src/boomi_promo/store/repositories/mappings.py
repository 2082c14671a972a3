"""ComponentMappings (dev component → prod component) and their history (MappingChange)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from boomi_promo.store.repositories.base import Page, distinct, paged, rowcount, upsert
from boomi_promo.store.tables import ComponentMapping, MappingChange, utcnow


class ComponentMappingRepository:
    """Dev component → prod component, one row per (dev component, dev account)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, dev_component_id: str, dev_account_id: str) -> ComponentMapping | None:
        return await self._session.scalar(
            select(ComponentMapping).where(
                ComponentMapping.dev_component_id == dev_component_id,
                ComponentMapping.dev_account_id == dev_account_id,
            )
        )

    async def get_many(
        self, dev_account_id: str, dev_component_ids: Iterable[str]
    ) -> dict[str, ComponentMapping]:
        """The mappings of these dev components that exist, by dev component id."""
        ids = distinct(dev_component_ids)
        if not ids:
            return {}
        rows = await self._session.scalars(
            select(ComponentMapping).where(
                ComponentMapping.dev_account_id == dev_account_id,
                ComponentMapping.dev_component_id.in_(ids),
            )
        )
        return {row.dev_component_id: row for row in rows}

    async def list_for_dev_account(self, dev_account_id: str) -> list[ComponentMapping]:
        rows = await self._session.scalars(
            select(ComponentMapping)
            .where(ComponentMapping.dev_account_id == dev_account_id)
            .order_by(ComponentMapping.component_name, ComponentMapping.dev_component_id)
        )
        return list(rows)

    async def list_for_prod_component(self, prod_component_id: str) -> list[ComponentMapping]:
        """Every dev component promoted into this prod component (several when shared)."""
        rows = await self._session.scalars(
            select(ComponentMapping)
            .where(ComponentMapping.prod_component_id == prod_component_id)
            .order_by(ComponentMapping.dev_account_id, ComponentMapping.dev_component_id)
        )
        return list(rows)

    async def upsert(self, mapping: ComponentMapping) -> ComponentMapping:
        """Insert, or update the mapping with the same (dev_component_id, dev_account_id)."""
        return await upsert(self._session, mapping, ("dev_component_id", "dev_account_id"))

    async def mark_on_main(self, dev_account_id: str, dev_component_ids: Iterable[str]) -> int:
        """Record that these components' prod versions reached main; returns rows changed."""
        ids = distinct(dev_component_ids)
        if not ids:
            return 0
        result = await self._session.execute(
            update(ComponentMapping)
            .where(
                ComponentMapping.dev_account_id == dev_account_id,
                ComponentMapping.dev_component_id.in_(ids),
            )
            .values(on_main=True, updated_at=utcnow())
        )
        return rowcount(result)

    async def query(
        self,
        *,
        dev_account_id: str | None = None,
        component_type: str | None = None,
        name_contains: str | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> Page[ComponentMapping]:
        """Mappings by account and type, name matched case-insensitively, ordered by name."""
        conditions: list[ColumnElement[bool]] = []
        if dev_account_id is not None:
            conditions.append(ComponentMapping.dev_account_id == dev_account_id)
        if component_type is not None:
            conditions.append(ComponentMapping.component_type == component_type)
        if name_contains:
            conditions.append(
                func.lower(ComponentMapping.component_name).contains(
                    name_contains.lower(), autoescape=True
                )
            )
        order = [ComponentMapping.component_name, ComponentMapping.id]
        return await paged(self._session, ComponentMapping, conditions, order, page, page_size)

    async def delete(self, dev_component_id: str, dev_account_id: str) -> bool:
        """Remove a mapping; ``False`` when there was none."""
        result = await self._session.execute(
            delete(ComponentMapping).where(
                ComponentMapping.dev_component_id == dev_component_id,
                ComponentMapping.dev_account_id == dev_account_id,
            )
        )
        return rowcount(result) > 0


class MappingChangeRepository:
    """Each mapping a promotion wrote, with what it said before (the mapping history)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, change: MappingChange) -> MappingChange:
        """Store one change; a second one of the same promotion and dev component replaces
        the first's ``after`` and keeps its ``before`` (the run wrote it twice)."""
        existing = await self._session.scalar(
            select(MappingChange).where(
                MappingChange.promotion_id == change.promotion_id,
                MappingChange.dev_component_id == change.dev_component_id,
                MappingChange.dev_account_id == change.dev_account_id,
            )
        )
        if existing is not None:
            existing.after = change.after
            existing.written_at = change.written_at
            await self._session.flush()
            return existing
        self._session.add(change)
        await self._session.flush()
        return change

    async def unsettled_for_promotion(self, promotion_id: str) -> list[MappingChange]:
        """The changes of a promotion whose fate is not decided yet, in the order written."""
        rows = await self._session.scalars(
            select(MappingChange)
            .where(MappingChange.promotion_id == promotion_id, MappingChange.outcome.is_(None))
            .order_by(MappingChange.id)
        )
        return list(rows)

    async def for_promotion(self, promotion_id: str) -> list[MappingChange]:
        rows = await self._session.scalars(
            select(MappingChange)
            .where(MappingChange.promotion_id == promotion_id)
            .order_by(MappingChange.id)
        )
        return list(rows)

    async def for_component(
        self, dev_account_id: str, dev_component_id: str
    ) -> list[MappingChange]:
        """Every change of one dev component's mapping, newest first."""
        rows = await self._session.scalars(
            select(MappingChange)
            .where(
                MappingChange.dev_account_id == dev_account_id,
                MappingChange.dev_component_id == dev_component_id,
            )
            .order_by(MappingChange.id.desc())
        )
        return list(rows)

    async def settle(self, change: MappingChange, outcome: str) -> None:
        change.outcome = outcome
        change.settled_at = utcnow()
        await self._session.flush()
