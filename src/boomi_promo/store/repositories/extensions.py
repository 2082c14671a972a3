"""Who may edit which environment extension, and edits waiting for a preview's confirmation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from boomi_promo.store.repositories.base import distinct, rowcount, upsert
from boomi_promo.store.tables import ExtensionAccessMapping, PendingExtensionEdit


class ExtensionAccessMappingRepository:
    """The extension-editing access cache, per environment and prod component."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(
        self, environment_id: str, prod_component_id: str
    ) -> ExtensionAccessMapping | None:
        return await self._session.scalar(
            select(ExtensionAccessMapping).where(
                ExtensionAccessMapping.environment_id == environment_id,
                ExtensionAccessMapping.prod_component_id == prod_component_id,
            )
        )

    async def upsert(self, mapping: ExtensionAccessMapping) -> ExtensionAccessMapping:
        return await upsert(self._session, mapping, ("environment_id", "prod_component_id"))

    async def list_for_environment(self, environment_id: str) -> list[ExtensionAccessMapping]:
        rows = await self._session.scalars(
            select(ExtensionAccessMapping)
            .where(ExtensionAccessMapping.environment_id == environment_id)
            .order_by(ExtensionAccessMapping.component_name, ExtensionAccessMapping.id)
        )
        return list(rows)

    async def list_for_prod_components(
        self, prod_component_ids: Iterable[str]
    ) -> list[ExtensionAccessMapping]:
        """The records of these prod components, in every environment."""
        ids = distinct(prod_component_ids)
        if not ids:
            return []
        rows = await self._session.scalars(
            select(ExtensionAccessMapping)
            .where(ExtensionAccessMapping.prod_component_id.in_(ids))
            .order_by(ExtensionAccessMapping.environment_id, ExtensionAccessMapping.id)
        )
        return list(rows)

    async def replace_for_environment(
        self, environment_id: str, mappings: Iterable[ExtensionAccessMapping]
    ) -> list[ExtensionAccessMapping]:
        """Rebuild an environment's cache: exactly ``mappings`` remain for it afterwards."""
        await self._session.execute(
            delete(ExtensionAccessMapping).where(
                ExtensionAccessMapping.environment_id == environment_id
            )
        )
        stored = []
        for mapping in mappings:
            if mapping.environment_id != environment_id:
                raise ValueError(
                    f"mapping for environment {mapping.environment_id} "
                    f"given when rebuilding {environment_id}"
                )
            stored.append(await self.upsert(mapping))
        return stored


class PendingExtensionEditRepository:
    """Extension updates awaiting confirmation; each is taken (deleted) exactly once."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, edit: PendingExtensionEdit) -> None:
        self._session.add(edit)
        await self._session.flush()

    async def take(
        self, token_hash: str, principal_email: str, *, created_after: datetime
    ) -> PendingExtensionEdit | None:
        """Delete and return the author's edit if it is still fresh; ``None`` otherwise.

        One statement, so two replicas confirming the same edit at once cannot both get it.
        """
        result = await self._session.execute(
            delete(PendingExtensionEdit)
            .where(
                PendingExtensionEdit.token_hash == token_hash,
                func.lower(PendingExtensionEdit.principal_email) == principal_email.lower(),
                PendingExtensionEdit.created_at > created_after,
            )
            .returning(PendingExtensionEdit)
        )
        return result.scalars().one_or_none()

    async def purge(self, *, created_before: datetime) -> int:
        result = await self._session.execute(
            delete(PendingExtensionEdit).where(PendingExtensionEdit.created_at <= created_before)
        )
        return rowcount(result)
