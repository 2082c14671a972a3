"""What every repository shares: pages of rows, paging limits, an atomic upsert."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, NamedTuple, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Insert,
    SQLColumnExpression,
    func,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from boomi_promo.store.tables import Base

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


def distinct(values: Iterable[str]) -> set[str]:
    # A bare string is an iterable of strings too, and would quietly filter by its letters.
    if isinstance(values, str):
        raise TypeError(f"expected a collection of strings, got the string {values!r}")
    return set(values)


def check_paging(page: int, page_size: int) -> None:
    if not 1 <= page <= MAX_PAGE:
        raise ValueError(f"page must be between 1 and {MAX_PAGE}, not {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")


async def paged(
    session: AsyncSession,
    model: type[RowT],
    conditions: Sequence[ColumnElement[bool]],
    order_by: Sequence[SQLColumnExpression[Any]],
    page: int,
    page_size: int,
) -> Page[RowT]:
    check_paging(page, page_size)
    total = await session.scalar(select(func.count()).select_from(model).where(*conditions))
    rows = await session.scalars(
        select(model)
        .where(*conditions)
        .order_by(*order_by)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return Page(list(rows), total or 0)


async def upsert(session: AsyncSession, row: RowT, match_key: tuple[str, ...]) -> RowT:
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


def rowcount(result: Any) -> int:
    return cast(CursorResult[Any], result).rowcount
