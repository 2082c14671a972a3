"""Repositories: every query the product makes against the store, one class per table.

They return the ORM rows of :mod:`boomi_promo.store.tables` (plain dataclasses with typed
constructors), or a :class:`Page` of them, and never commit: the
:class:`~boomi_promo.store.uow.UnitOfWork` that owns the session decides. JSON columns are
not change-tracked in place; assign a new value to change one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Insert,
    SQLColumnExpression,
    Text,
    and_,
    delete,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from boomi_promo.errors import PromotionNotFound
from boomi_promo.store.errors import ConcurrentPromotionError, JobNotFoundError
from boomi_promo.store.tables import (
    IN_PROGRESS_GUARD_INDEX,
    AuditEntry,
    Base,
    ClientAccountConfig,
    ComponentMapping,
    DeliveryStatus,
    DevAccountAccess,
    ExtensionAccessMapping,
    Job,
    JobState,
    MappingChange,
    NotificationCursor,
    NotificationDelivery,
    PendingExtensionEdit,
    PromotionLog,
    SecretAllowlistEntry,
    SignedOutSession,
    utcnow,
)

RowT = TypeVar("RowT", bound=Base)
ItemT = TypeVar("ItemT")

MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000
"""Deeper pages are refused: the row offset of a page past it no longer fits a 64-bit integer
column type of SQLite or PostgreSQL, and no one pages that far."""


class Page(NamedTuple, Generic[ItemT]):
    """One page of a query and the number of rows matching it across all pages."""

    items: list[ItemT]
    total: int


def _distinct(values: Iterable[str]) -> set[str]:
    # A bare string is an iterable of strings too, and would quietly filter by its letters.
    if isinstance(values, str):
        raise TypeError(f"expected a collection of strings, got the string {values!r}")
    return set(values)


def _check_paging(page: int, page_size: int) -> None:
    if not 1 <= page <= MAX_PAGE:
        raise ValueError(f"page must be between 1 and {MAX_PAGE}, not {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")


async def _page(
    session: AsyncSession,
    model: type[RowT],
    conditions: Sequence[ColumnElement[bool]],
    order_by: Sequence[SQLColumnExpression[Any]],
    page: int,
    page_size: int,
) -> Page[RowT]:
    _check_paging(page, page_size)
    total = await session.scalar(select(func.count()).select_from(model).where(*conditions))
    rows = await session.scalars(
        select(model)
        .where(*conditions)
        .order_by(*order_by)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return Page(list(rows), total or 0)


async def _upsert(session: AsyncSession, row: RowT, match_key: tuple[str, ...]) -> RowT:
    """Insert ``row``, or update every other column of the row with the same match key.

    One atomic ``INSERT ... ON CONFLICT DO UPDATE``, so concurrent upserts never duplicate. The
    stored row is returned; the argument itself is not added to the session.
    """
    model = type(row)
    values = {attr.key: getattr(row, attr.key) for attr in inspect(model).column_attrs}
    kept = {*match_key, *(column.key for column in inspect(model).primary_key), "created_at"}
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        pg_statement = postgresql.insert(model).values(values)
        statement = pg_statement.on_conflict_do_update(
            index_elements=list(match_key),
            set_={key: pg_statement.excluded[key] for key in values if key not in kept},
        )
    else:
        lite_statement = sqlite.insert(model).values(values)
        statement = lite_statement.on_conflict_do_update(
            index_elements=list(match_key),
            set_={key: lite_statement.excluded[key] for key in values if key not in kept},
        )
    stored = await session.scalars(
        statement.returning(model), execution_options={"populate_existing": True}
    )
    return stored.one()


def _rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount


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
        return await _upsert(self._session, access, ("sso_group_id", "dev_account_id"))

    async def list_active_for_groups(self, group_ids: Iterable[str]) -> list[DevAccountAccess]:
        """Active grants of any of the groups; an account granted twice appears twice."""
        groups = _distinct(group_ids)
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
        groups = _distinct(group_ids)
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
        ids = _distinct(dev_component_ids)
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
        return await _upsert(self._session, mapping, ("dev_component_id", "dev_account_id"))

    async def mark_on_main(self, dev_account_id: str, dev_component_ids: Iterable[str]) -> int:
        """Record that these components' prod versions reached main; returns rows changed."""
        ids = _distinct(dev_component_ids)
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
        return _rowcount(result)

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
        return await _page(self._session, ComponentMapping, conditions, order, page, page_size)

    async def delete(self, dev_component_id: str, dev_account_id: str) -> bool:
        """Remove a mapping; ``False`` when there was none."""
        result = await self._session.execute(
            delete(ComponentMapping).where(
                ComponentMapping.dev_component_id == dev_component_id,
                ComponentMapping.dev_account_id == dev_account_id,
            )
        )
        return _rowcount(result) > 0


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


class PromotionLogRepository:
    """Promotion runs: created once, then moved through the status machine."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, log: PromotionLog) -> PromotionLog:
        """Store a new promotion.

        Raises :class:`ConcurrentPromotionError` when ``log`` is IN_PROGRESS and its dev account
        already has an IN_PROGRESS promotion, even one still uncommitted in another transaction
        (the database decides). The unit of work stays usable after that error.
        """
        try:
            # Leaving the savepoint flushes the new row; a refusal rolls back only the savepoint.
            async with self._session.begin_nested():
                self._session.add(log)
        except IntegrityError as error:
            if _is_in_progress_guard(error):
                raise ConcurrentPromotionError(log.dev_account_id) from error
            raise
        return log

    async def get(self, promotion_id: str) -> PromotionLog | None:
        return await self._session.get(PromotionLog, promotion_id)

    async def require(
        self, promotion_id: str, *, lock: bool = False, field: str = "promotionId"
    ) -> PromotionLog:
        """The promotion (``lock``: locked until the unit of work ends); 404 if there is none.

        Callers that answer to a person check visibility first (``engine.access``).
        """
        if lock:
            promotion = await self.get_for_update(promotion_id)
        else:
            promotion = await self.get(promotion_id)
        if promotion is None:
            raise PromotionNotFound(promotion_id, field=field)
        return promotion

    async def get_for_update(self, promotion_id: str) -> PromotionLog | None:
        """The promotion, locked until the unit of work ends, read fresh from the database."""
        return await self._session.scalar(
            select(PromotionLog)
            .where(PromotionLog.promotion_id == promotion_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def update(self, log: PromotionLog) -> PromotionLog:
        """Write the changes made to ``log`` now (``updated_at`` follows).

        Raises :class:`ConcurrentPromotionError` if the change would make a second IN_PROGRESS
        promotion for the dev account; the unit of work must then be abandoned.
        """
        try:
            await self._session.flush()
        except IntegrityError as error:
            if _is_in_progress_guard(error):
                raise ConcurrentPromotionError(log.dev_account_id) from error
            raise
        return log

    async def query(
        self,
        *,
        statuses: Collection[str] | None = None,
        dev_account_id: str | None = None,
        dev_account_ids: Collection[str] | None = None,
        process_name: str | None = None,
        root_component_id: str | None = None,
        initiated_by: str | None = None,
        exclude_initiated_by: str | None = None,
        target_environment: str | None = None,
        test_promotion_id: str | None = None,
        initiated_from: datetime | None = None,
        initiated_to: datetime | None = None,
        initiated_until: datetime | None = None,
        without_linked_promotion_in: Collection[str] | None = None,
        without_participant: str | None = None,
        promotion_id: str | None = None,
        component_id: str | None = None,
        changes_only: bool = False,
        page: int = 1,
        page_size: int = 50,
    ) -> Page[PromotionLog]:
        """Promotions matching every given filter, newest first.

        ``initiated_by`` / ``exclude_initiated_by`` compare e-mails case-insensitively.
        ``initiated_from`` and ``initiated_until`` are inclusive, ``initiated_to`` exclusive.
        ``component_id``: the root, or any component the results or connections name.
        ``changes_only``: no production record of a test deployment (each change once); with
        ``statuses``, a change matches when it or its production record is in one of them.
        ``without_linked_promotion_in``
        keeps only promotions that no other promotion links to (by ``test_promotion_id``) while
        in one of those statuses: a test deployment with a live production promotion is hidden.
        ``without_participant`` leaves out promotions that person initiated, submitted for
        review, or whose test deployment they initiated (the peer-review exclusions).
        """
        log = PromotionLog
        conditions: list[ColumnElement[bool]] = []
        if changes_only:
            conditions.append(log.test_promotion_id.is_(None))
        if statuses is not None and changes_only:
            production = aliased(PromotionLog)
            conditions.append(
                or_(
                    log.status.in_(_distinct(statuses)),
                    select(production.promotion_id)
                    .where(
                        production.test_promotion_id == log.promotion_id,
                        production.status.in_(_distinct(statuses)),
                    )
                    .exists(),
                )
            )
        elif statuses is not None:
            conditions.append(log.status.in_(_distinct(statuses)))
        if component_id is not None:
            # resultDetail is JSON text on both databases: a quoted id is a whole JSON string
            # value (a dev or prod component id in the results, or a connection it used).
            quoted = json.dumps(component_id)
            conditions.append(
                or_(
                    log.root_component_id == component_id,
                    sql_cast(log.result_detail, Text).contains(quoted, autoescape=True),
                )
            )
        if dev_account_id is not None:
            conditions.append(log.dev_account_id == dev_account_id)
        if dev_account_ids is not None:
            conditions.append(log.dev_account_id.in_(_distinct(dev_account_ids)))
        if process_name is not None:
            conditions.append(log.process_name == process_name)
        if root_component_id is not None:
            conditions.append(log.root_component_id == root_component_id)
        if initiated_by is not None:
            conditions.append(func.lower(log.initiated_by) == initiated_by.lower())
        if exclude_initiated_by is not None:
            conditions.append(func.lower(log.initiated_by) != exclude_initiated_by.lower())
        if target_environment is not None:
            conditions.append(log.target_environment == target_environment)
        if test_promotion_id is not None:
            conditions.append(log.test_promotion_id == test_promotion_id)
        if initiated_from is not None:
            conditions.append(log.initiated_at >= initiated_from)
        if initiated_to is not None:
            conditions.append(log.initiated_at < initiated_to)
        if initiated_until is not None:
            conditions.append(log.initiated_at <= initiated_until)
        if without_linked_promotion_in is not None:
            linked = aliased(PromotionLog)
            conditions.append(
                ~select(linked.promotion_id)
                .where(
                    linked.test_promotion_id == log.promotion_id,
                    linked.status.in_(_distinct(without_linked_promotion_in)),
                )
                .exists()
            )
        if promotion_id is not None:
            conditions.append(log.promotion_id == promotion_id)
        if without_participant is not None:
            person = without_participant.strip().lower()
            test = aliased(PromotionLog)
            conditions += [
                func.lower(log.initiated_by) != person,
                or_(
                    log.submitted_for_review_by.is_(None),
                    func.lower(log.submitted_for_review_by) != person,
                ),
                ~select(test.promotion_id)
                .where(
                    test.promotion_id == log.test_promotion_id,
                    func.lower(test.initiated_by) == person,
                )
                .exists(),
            ]
        order = [log.initiated_at.desc(), log.promotion_id]
        return await _page(self._session, log, conditions, order, page, page_size)

    async def list_released(
        self,
        *,
        dev_account_ids: Collection[str] | None,
        process_name: str | None,
        limit: int,
    ) -> list[PromotionLog]:
        """Promotions that released something (to Test or Production), newest first."""
        conditions: list[ColumnElement[bool]] = [
            or_(PromotionLog.release_id.is_not(None), PromotionLog.test_release_id.is_not(None))
        ]
        if dev_account_ids is not None:
            conditions.append(PromotionLog.dev_account_id.in_(_distinct(dev_account_ids)))
        if process_name is not None:
            conditions.append(PromotionLog.process_name == process_name)
        rows = await self._session.scalars(
            select(PromotionLog)
            .where(*conditions)
            .order_by(PromotionLog.initiated_at.desc(), PromotionLog.promotion_id)
            .limit(limit)
        )
        return list(rows)

    async def newest_linked_productions(
        self, test_promotion_ids: Iterable[str]
    ) -> dict[str, PromotionLog]:
        """Per test promotion id, the newest PRODUCTION promotion made from it (if any)."""
        ids = _distinct(test_promotion_ids)
        if not ids:
            return {}
        rows = await self._session.scalars(
            select(PromotionLog)
            .where(PromotionLog.test_promotion_id.in_(ids))
            .order_by(PromotionLog.initiated_at.desc(), PromotionLog.promotion_id)
        )
        newest: dict[str, PromotionLog] = {}
        for row in rows:
            if row.test_promotion_id is not None:
                newest.setdefault(row.test_promotion_id, row)
        return newest

    async def lock_of_root(
        self, dev_account_id: str, root_component_id: str, statuses: Collection[str]
    ) -> list[PromotionLog]:
        """The promotions of one root process from one dev account in ``statuses``, oldest
        first, locked until the unit of work ends.

        Two callers that each call this before changing one of them (a new promotion, a
        submission for review) take turns: on PostgreSQL a transaction-scoped advisory lock
        on the (dev account, root) pair serialises them even when no row matches yet, and the
        rows are read after it is granted, so the second caller sees what the first one
        committed. SQLite lets one writer in at a time anyway.
        """
        if self._session.get_bind().dialect.name == "postgresql":
            key = f"promotion-root:{dev_account_id}/{root_component_id}".encode()
            lock_id = int.from_bytes(
                hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True
            )
            await self._session.execute(select(func.pg_advisory_xact_lock(lock_id)))
        rows = await self._session.scalars(
            select(PromotionLog)
            .where(
                PromotionLog.dev_account_id == dev_account_id,
                PromotionLog.root_component_id == root_component_id,
                PromotionLog.status.in_(_distinct(statuses)),
            )
            .order_by(PromotionLog.initiated_at, PromotionLog.promotion_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(rows)

    async def latest(
        self, *, statuses: Collection[str], process_name: str, dev_account_id: str | None = None
    ) -> PromotionLog | None:
        """The newest promotion of a process in one of ``statuses`` (pack suggestions, history)."""
        found = await self.query(
            statuses=statuses, process_name=process_name, dev_account_id=dev_account_id, page_size=1
        )
        return found.items[0] if found.items else None

    async def get_many(self, promotion_ids: Iterable[str]) -> list[PromotionLog]:
        """The promotions with these ids, in no particular order; unknown ids are left out."""
        wanted = sorted(_distinct(promotion_ids))
        found: list[PromotionLog] = []
        # In slices: an IN list has a bound-parameter limit on every database.
        for start in range(0, len(wanted), MAX_PAGE_SIZE):
            rows = await self._session.scalars(
                select(PromotionLog).where(
                    PromotionLog.promotion_id.in_(wanted[start : start + MAX_PAGE_SIZE])
                )
            )
            found.extend(rows)
        return found

    async def list_initiated_between(self, since: datetime, until: datetime) -> list[PromotionLog]:
        """Every promotion started at or after ``since`` and before ``until``, oldest first."""
        rows = await self._session.scalars(
            select(PromotionLog)
            .where(PromotionLog.initiated_at >= since, PromotionLog.initiated_at < until)
            .order_by(PromotionLog.initiated_at, PromotionLog.promotion_id)
        )
        return list(rows)


def _is_in_progress_guard(error: IntegrityError) -> bool:
    diagnostics = getattr(error.orig, "diag", None)
    if diagnostics is not None:  # PostgreSQL names the violated index
        return getattr(diagnostics, "constraint_name", None) == IN_PROGRESS_GUARD_INDEX
    # SQLite names the columns: the guard is the only unique index on dev_account_id alone.
    return str(error.orig).endswith("UNIQUE constraint failed: promotion_log.dev_account_id")


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
        return await _upsert(self._session, config, ("client_account_id", "sso_group_id"))

    async def list_active_for_groups(self, group_ids: Iterable[str]) -> list[ClientAccountConfig]:
        groups = _distinct(group_ids)
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
        return _rowcount(result)

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
        return await _upsert(self._session, mapping, ("environment_id", "prod_component_id"))

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
        ids = _distinct(prod_component_ids)
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


class SignedOutSessionRepository:
    """Dashboard sessions signed out before their cookies expire."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, session_id: str, *, expires_at: datetime) -> None:
        """Remember a signed-out session; forget those whose cookies have expired anyway."""
        await self._session.execute(
            delete(SignedOutSession).where(SignedOutSession.expires_at < utcnow())
        )
        await _upsert(
            self._session,
            SignedOutSession(session_id=session_id, expires_at=expires_at),
            ("session_id",),
        )

    async def contains(self, session_id: str) -> bool:
        found = await self._session.scalar(
            select(SignedOutSession.session_id).where(
                SignedOutSession.session_id == session_id, SignedOutSession.expires_at >= utcnow()
            )
        )
        return found is not None


class JobRepository:
    """Long-running actions. A worker claims a QUEUED job, heartbeats while it runs, finishes it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: Job) -> Job:
        self._session.add(job)
        await self._session.flush()
        return job

    async def get(self, job_id: str) -> Job | None:
        return await self._session.get(Job, job_id, populate_existing=True)

    async def claim(self, job_id: str, owner: str) -> bool:
        """QUEUED → RUNNING for ``owner``; ``False`` if another worker got there first."""
        now = utcnow()
        result = await self._session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.QUEUED)
            .values(state=JobState.RUNNING, owner=owner, started_at=now, heartbeat_at=now)
        )
        return _rowcount(result) == 1

    async def requeue(self, job_id: str) -> bool:
        """A RUNNING job whose worker vanished goes back to QUEUED, to be claimed again."""
        result = await self._session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.RUNNING)
            .values(state=JobState.QUEUED, owner=None, heartbeat_at=None)
        )
        return _rowcount(result) == 1

    async def heartbeat(self, job_id: str, owner: str) -> bool:
        """Record that ``owner`` still runs the job; ``False`` when it no longer owns it."""
        result = await self._session.execute(
            update(Job)
            .where(Job.id == job_id, Job.owner == owner, Job.state == JobState.RUNNING)
            .values(heartbeat_at=utcnow())
        )
        return _rowcount(result) == 1

    async def update_progress(
        self,
        job_id: str,
        *,
        step: str,
        current: int | None = None,
        total: int | None = None,
        message: str | None = None,
    ) -> None:
        progress = {"step": step, "current": current, "total": total, "message": message}
        result = await self._session.execute(
            update(Job).where(Job.id == job_id).values(progress=progress, heartbeat_at=utcnow())
        )
        if _rowcount(result) == 0:
            raise JobNotFoundError(job_id)

    async def set_queue_job(self, job_id: str, queue_job_id: int) -> None:
        """Remember the task queue's id for the job, to release its queue lock if it dies."""
        result = await self._session.execute(
            update(Job).where(Job.id == job_id).values(queue_job_id=queue_job_id)
        )
        if _rowcount(result) == 0:
            raise JobNotFoundError(job_id)

    async def set_promotion(self, job_id: str, promotion_id: str) -> None:
        """Link the job to the promotion it created, once that exists."""
        result = await self._session.execute(
            update(Job).where(Job.id == job_id).values(promotion_id=promotion_id)
        )
        if _rowcount(result) == 0:
            raise JobNotFoundError(job_id)

    async def finish(
        self,
        job_id: str,
        *,
        state: JobState,
        response: dict[str, Any] | None,
        http_status: int | None,
    ) -> None:
        if not state.finished:
            raise ValueError(f"{state} is not a finished state")
        result = await self._session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state=state, response=response, http_status=http_status, finished_at=utcnow())
        )
        if _rowcount(result) == 0:
            raise JobNotFoundError(job_id)

    async def list_unfinished(self) -> list[Job]:
        """QUEUED and RUNNING jobs, oldest first: what a restarted service must pick up."""
        return await self._list(Job.state.in_([JobState.QUEUED, JobState.RUNNING]))

    async def list_stale(self, heartbeat_before: datetime) -> list[Job]:
        """RUNNING jobs whose worker has not reported since ``heartbeat_before``."""
        return await self._list(
            Job.state == JobState.RUNNING,
            (Job.heartbeat_at.is_(None)) | (Job.heartbeat_at < heartbeat_before),
        )

    async def interrupt_if_stale(
        self,
        job_id: str,
        *,
        stale_before: datetime,
        response: dict[str, Any],
        http_status: int,
    ) -> bool:
        """QUEUED or RUNNING with no sign of life since ``stale_before`` → INTERRUPTED.

        Atomic, so when several replicas notice the same dead job exactly one compensates it.
        """
        last_seen = func.coalesce(Job.heartbeat_at, Job.created_at)
        result = await self._session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.state.in_([JobState.QUEUED, JobState.RUNNING]),
                last_seen < stale_before,
            )
            .values(
                state=JobState.INTERRUPTED,
                response=response,
                http_status=http_status,
                finished_at=utcnow(),
            )
        )
        return _rowcount(result) == 1

    async def list_silent_since(
        self, stale_before: datetime, *, include_queued: bool = True
    ) -> list[Job]:
        """Unfinished jobs with no sign of life since ``stale_before``.

        Queued jobs count unless they wait on a durable task queue (``include_queued=False``).
        """
        states = [JobState.QUEUED, JobState.RUNNING] if include_queued else [JobState.RUNNING]
        last_seen = func.coalesce(Job.heartbeat_at, Job.created_at)
        return await self._list(Job.state.in_(states), last_seen < stale_before)

    async def list_for_promotion(self, promotion_id: str) -> list[Job]:
        return await self._list(Job.promotion_id == promotion_id)

    async def list_interrupted_unsettled(
        self, *, finished_before: datetime, promotion_statuses: Iterable[str]
    ) -> list[Job]:
        """Interrupted jobs whose promotion is still in one of ``promotion_statuses`` with no
        job of its own running or queued: their compensation failed and is due again."""
        live = aliased(Job)
        return await self._list(
            Job.state == JobState.INTERRUPTED,
            Job.finished_at < finished_before,
            Job.promotion_id.in_(
                select(PromotionLog.promotion_id).where(
                    PromotionLog.status.in_(list(promotion_statuses))
                )
            ),
            ~select(live.id)
            .where(
                live.promotion_id == Job.promotion_id,
                live.state.in_([JobState.QUEUED, JobState.RUNNING]),
            )
            .exists(),
        )

    async def _list(self, *conditions: ColumnElement[bool]) -> list[Job]:
        statement = (
            select(Job)
            .where(*conditions)
            .order_by(Job.created_at, Job.id)
            .execution_options(populate_existing=True)
        )
        return list(await self._session.scalars(statement))


class AuditLogRepository:
    """The append-only audit trail: entries can be added and read, never changed."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(
        self,
        *,
        actor_email: str,
        action: str,
        target_type: str,
        target_id: str,
        process_name: str | None = None,
        before_status: str | None = None,
        after_status: str | None = None,
        detail: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            actor_email=actor_email,
            action=action,
            target_type=target_type,
            target_id=target_id,
            process_name=process_name,
            before_status=before_status,
            after_status=after_status,
            detail=detail,
            at=at or utcnow(),
        )
        self._session.add(entry)
        await self._session.flush()
        return entry

    async def list_entries(
        self,
        *,
        target_type: str | None = None,
        target_id: str | None = None,
        actor_email: str | None = None,
        page: int = 1,
        page_size: int = 100,
    ) -> Page[AuditEntry]:
        """Entries matching the filters in the order they were written (actor case-insensitive)."""
        conditions: list[ColumnElement[bool]] = []
        if target_type is not None:
            conditions.append(AuditEntry.target_type == target_type)
        if target_id is not None:
            conditions.append(AuditEntry.target_id == target_id)
        if actor_email is not None:
            conditions.append(func.lower(AuditEntry.actor_email) == actor_email.lower())
        return await _page(self._session, AuditEntry, conditions, [AuditEntry.id], page, page_size)

    async def list_in_time_order(
        self,
        *,
        after: AuditCursor | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        actor_email: str | None = None,
        target_type: str | None = None,
        limit: int = MAX_PAGE_SIZE,
    ) -> list[AuditEntry]:
        """Up to ``limit`` entries by time (entries of the same instant in the order written),
        starting just after ``after``: the cursor of the last entry of the previous batch.

        A cursor rather than an offset, so a reader that pages through a trail that grows
        meanwhile neither skips nor repeats an entry. ``since`` is inclusive, ``until``
        exclusive; actor and target type compare case-insensitively.
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")
        conditions: list[ColumnElement[bool]] = []
        if after is not None:
            conditions.append(
                or_(
                    AuditEntry.at > after.at,
                    and_(AuditEntry.at == after.at, AuditEntry.id > after.entry_id),
                )
            )
        if since is not None:
            conditions.append(AuditEntry.at >= since)
        if until is not None:
            conditions.append(AuditEntry.at < until)
        if actor_email is not None:
            conditions.append(func.lower(AuditEntry.actor_email) == actor_email.lower())
        if target_type is not None:
            conditions.append(func.lower(AuditEntry.target_type) == target_type.lower())
        rows = await self._session.scalars(
            select(AuditEntry)
            .where(*conditions)
            .order_by(AuditEntry.at, AuditEntry.id)
            .limit(limit)
        )
        return list(rows)


class AuditCursor(NamedTuple):
    """Where a time-ordered read of the audit trail stopped: the last entry's time and id."""

    at: datetime
    entry_id: int

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditCursor:
        return cls(entry.at, entry.id)


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
        return _rowcount(result)


class NotificationRepository:
    """Notifications: the audit-trail cursor, the deliveries queued and sent, stale reviews."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def cursor_for_update(self, name: str) -> NotificationCursor:
        """The named cursor, locked until the unit of work ends.

        Made on first use at the end of the trail as it is then: what happened before
        notifications were switched on is not announced.
        """
        start = select(func.coalesce(func.max(AuditEntry.id), 0)).scalar_subquery()
        values = {"name": name, "last_audit_id": start, "pending_ids": {}, "updated_at": utcnow()}
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(
                postgresql.insert(NotificationCursor).values(values).on_conflict_do_nothing()
            )
        else:
            await self._session.execute(
                sqlite.insert(NotificationCursor).values(values).on_conflict_do_nothing()
            )
        cursor = await self._session.scalar(
            select(NotificationCursor)
            .where(NotificationCursor.name == name)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert cursor is not None, "the cursor row was just made"
        return cursor

    async def audit_entries_after(self, audit_id: int, *, limit: int) -> list[AuditEntry]:
        """Entries with an id above ``audit_id``, in id order."""
        rows = await self._session.scalars(
            select(AuditEntry).where(AuditEntry.id > audit_id).order_by(AuditEntry.id).limit(limit)
        )
        return list(rows)

    async def audit_entries_with_ids(self, audit_ids: Iterable[int]) -> list[AuditEntry]:
        ids = set(audit_ids)
        if not ids:
            return []
        rows = await self._session.scalars(
            select(AuditEntry).where(AuditEntry.id.in_(ids)).order_by(AuditEntry.id)
        )
        return list(rows)

    async def queue(self, delivery: NotificationDelivery) -> bool:
        """Add a delivery unless this event is already queued for this channel; ``True`` if new.

        One ``INSERT ... ON CONFLICT DO NOTHING``, so replicas racing on one event queue it once.
        """
        values = {
            attr.key: getattr(delivery, attr.key)
            for attr in inspect(NotificationDelivery).column_attrs
            if attr.key != "id"
        }
        conflict = ["event_key", "channel"]
        statement: Insert
        if self._session.get_bind().dialect.name == "postgresql":
            statement = (
                postgresql.insert(NotificationDelivery)
                .values(values)
                .on_conflict_do_nothing(index_elements=conflict)
            )
        else:
            statement = (
                sqlite.insert(NotificationDelivery)
                .values(values)
                .on_conflict_do_nothing(index_elements=conflict)
            )
        inserted = await self._session.scalar(statement.returning(NotificationDelivery.id))
        return inserted is not None

    async def known_event_keys(self, event_keys: Iterable[str]) -> set[str]:
        """Which of these events already have a delivery on some channel."""
        keys = _distinct(event_keys)
        if not keys:
            return set()
        rows = await self._session.scalars(
            select(NotificationDelivery.event_key)
            .where(NotificationDelivery.event_key.in_(keys))
            .distinct()
        )
        return set(rows)

    async def claim_due(
        self, *, now: datetime, hold_until: datetime, limit: int
    ) -> list[NotificationDelivery]:
        """PENDING deliveries due by ``now`` that no live sender holds, now held until
        ``hold_until`` by this caller. Each is claimed by one conditional update, so of
        several replicas exactly one gets it."""
        free = or_(
            NotificationDelivery.claimed_until.is_(None),
            NotificationDelivery.claimed_until < now,
        )
        due = NotificationDelivery.next_attempt_at <= now
        pending = NotificationDelivery.status == DeliveryStatus.PENDING
        candidates = await self._session.scalars(
            select(NotificationDelivery.id)
            .where(pending, due, free)
            .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
            .limit(limit)
        )
        claimed: list[int] = []
        for delivery_id in list(candidates):
            result = await self._session.execute(
                update(NotificationDelivery)
                .where(NotificationDelivery.id == delivery_id, pending, due, free)
                .values(claimed_until=hold_until)
            )
            if _rowcount(result) == 1:
                claimed.append(delivery_id)
        if not claimed:
            return []
        rows = await self._session.scalars(
            select(NotificationDelivery)
            .where(NotificationDelivery.id.in_(claimed))
            .order_by(NotificationDelivery.id)
            .execution_options(populate_existing=True)
        )
        return list(rows)

    async def record_attempt(
        self,
        delivery_id: int,
        *,
        status: DeliveryStatus,
        attempts: int,
        error: str | None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """The outcome of an attempt: SENT, FAILED, or PENDING again from ``next_attempt_at``.
        ``last_error`` keeps the latest failure, also once a later attempt succeeds."""
        now = utcnow()
        values: dict[str, Any] = {"status": status, "attempts": attempts, "claimed_until": None}
        if error is not None:
            values["last_error"] = error
        if status is DeliveryStatus.SENT:
            values["sent_at"] = now
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        await self._session.execute(
            update(NotificationDelivery)
            .where(NotificationDelivery.id == delivery_id)
            .values(**values)
        )

    async def list_deliveries(
        self,
        *,
        promotion_id: str | None = None,
        event: str | None = None,
        channel: str | None = None,
    ) -> list[NotificationDelivery]:
        """Deliveries matching the filters, oldest first."""
        conditions: list[ColumnElement[bool]] = []
        if promotion_id is not None:
            conditions.append(NotificationDelivery.promotion_id == promotion_id)
        if event is not None:
            conditions.append(NotificationDelivery.event == event)
        if channel is not None:
            conditions.append(NotificationDelivery.channel == channel)
        rows = await self._session.scalars(
            select(NotificationDelivery)
            .where(*conditions)
            .order_by(NotificationDelivery.id)
            .execution_options(populate_existing=True)
        )
        return list(rows)

    async def page_deliveries(
        self,
        *,
        status: str | None = None,
        channel: str | None = None,
        promotion_id: str | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> Page[NotificationDelivery]:
        """Deliveries matching the filters, newest first, one page."""
        _check_paging(page, page_size)
        conditions: list[ColumnElement[bool]] = []
        if status is not None:
            conditions.append(NotificationDelivery.status == status)
        if channel is not None:
            conditions.append(NotificationDelivery.channel == channel)
        if promotion_id is not None:
            conditions.append(NotificationDelivery.promotion_id == promotion_id)
        total = await self._session.scalar(
            select(func.count()).select_from(NotificationDelivery).where(*conditions)
        )
        rows = await self._session.scalars(
            select(NotificationDelivery)
            .where(*conditions)
            .order_by(NotificationDelivery.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        return Page(list(rows), total or 0)

    async def reviews_waiting(self, *, since_before: datetime, limit: int) -> list[PromotionLog]:
        """Promotions waiting for a review since before ``since_before``, longest first: peer
        review since submission, admin review since the peer approval."""
        rows = await self._session.scalars(
            select(PromotionLog)
            .where(
                or_(
                    and_(
                        PromotionLog.status == "PENDING_PEER_REVIEW",
                        PromotionLog.submitted_for_review_at < since_before,
                    ),
                    and_(
                        PromotionLog.status == "PENDING_ADMIN_REVIEW",
                        PromotionLog.peer_reviewed_at < since_before,
                    ),
                )
            )
            .order_by(PromotionLog.initiated_at, PromotionLog.promotion_id)
            .limit(limit)
        )
        return list(rows)


def location_key(location: str) -> str:
    """The allowlist's match key for a finding's location (see :class:`SecretAllowlistEntry`)."""
    return hashlib.sha256(location.encode("utf-8")).hexdigest()


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
        return await _upsert(self._session, entry, ("component_id", "location_key"))

    async def delete(self, component_id: str, location: str) -> bool:
        """Remove an entry; ``False`` when there was none."""
        result = await self._session.execute(
            delete(SecretAllowlistEntry).where(
                SecretAllowlistEntry.component_id == component_id,
                SecretAllowlistEntry.location_key == location_key(location),
            )
        )
        return _rowcount(result) > 0

    async def for_components(
        self, component_ids: Iterable[str]
    ) -> dict[tuple[str, str], SecretAllowlistEntry]:
        """The entries of these components, by (component id, location)."""
        ids = _distinct(component_ids)
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
        return await _page(self._session, SecretAllowlistEntry, conditions, order, page, page_size)
