"""The production shape needs PostgreSQL (the task queue lives there): these run in its pass."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.database import POSTGRES, fresh_postgres_schema, selected_databases

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if POSTGRES not in selected_databases():
        pytest.skip("the task queue needs PostgreSQL, which PROMO_TEST_DATABASE leaves out")
    with fresh_postgres_schema() as url:
        yield url
