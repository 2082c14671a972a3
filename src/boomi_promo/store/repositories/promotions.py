"""PromotionLog: the record of each promotion, its filters and its locks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Text, func, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from boomi_promo.errors import PromotionNotFound
from boomi_promo.store.errors import ConcurrentPromotionError
from boomi_promo.store.repositories.base import MAX_PAGE_SIZE, Page, distinct, paged
from boomi_promo.store.tables import IN_PROGRESS_GUARD_INDEX, PromotionLog


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
                    log.status.in_(distinct(statuses)),
                    select(production.promotion_id)
                    .where(
                        production.test_promotion_id == log.promotion_id,
                        production.status.in_(distinct(statuses)),
                    )
                    .exists(),
                )
            )
        elif statuses is not None:
            conditions.append(log.status.in_(distinct(statuses)))
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
            conditions.append(log.dev_account_id.in_(distinct(dev_account_ids)))
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
                    linked.status.in_(distinct(without_linked_promotion_in)),
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
        return await paged(self._session, log, conditions, order, page, page_size)

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
            conditions.append(PromotionLog.dev_account_id.in_(distinct(dev_account_ids)))
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
        ids = distinct(test_promotion_ids)
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
                PromotionLog.status.in_(distinct(statuses)),
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
        wanted = sorted(distinct(promotion_ids))
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
