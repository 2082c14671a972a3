"""CSV format of ComponentMappings: parsing, every problem with its line and column, merging."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from boomi_promo.exports.mappings_csv import (
    COLUMNS,
    MappingCsvError,
    MappingRow,
    format_mappings_csv,
    merge_row,
    parse_mappings_csv,
)
from boomi_promo.store import ComponentMapping, MappingSource

HEADER = "devComponentId,devAccountId,prodComponentId,componentName,componentType"
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
EARLIER = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def stored(**overrides: object) -> ComponentMapping:
    values: dict[str, object] = {
        "dev_component_id": "dev-1",
        "dev_account_id": "team-a",
        "prod_component_id": "prod-1",
        "component_name": "Orders API",
        "component_type": "connector-settings",
        "prod_account_id": "primary-1",
        "prod_latest_version": 4,
        "last_promoted_at": EARLIER,
        "last_promoted_by": "alice@example.com",
        "mapping_source": MappingSource.PROMOTION_ENGINE,
        "on_main": False,
        "last_promotion_id": "promotion-7",
    }
    values.update(overrides)
    return ComponentMapping(**values)  # type: ignore[arg-type]


def problems_of(text: str) -> list[str]:
    with pytest.raises(MappingCsvError) as caught:
        parse_mappings_csv(text)
    return [str(problem) for problem in caught.value.problems]


def test_reads_required_columns_in_any_order_and_ignores_others() -> None:
    text = (
        "note,componentType,componentName,prodComponentId,devAccountId,devComponentId\n"
        "anything,connector-settings, Orders API ,prod-1,team-a,dev-1\n"
    )

    [row] = parse_mappings_csv(text)

    assert row == MappingRow(
        line=2,
        dev_component_id="dev-1",
        dev_account_id="team-a",
        prod_component_id="prod-1",
        component_name="Orders API",
        component_type="connector-settings",
        mapping_source=MappingSource.ADMIN_SEEDING,
    )


def test_reads_the_optional_columns() -> None:
    text = (
        f"{HEADER},mappingSource,prodLatestVersion,onMain,lastPromotedAt,lastPromotedBy\n"
        "dev-1,team-a,prod-1,Map,transform.map,PROMOTION_ENGINE,3,FALSE,"
        "2026-01-02T03:04:05.678Z,bob@example.com\n"
    )

    [row] = parse_mappings_csv(text)

    assert row.mapping_source is MappingSource.PROMOTION_ENGINE
    assert row.prod_latest_version == 3
    assert row.on_main is False
    assert row.last_promoted_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert row.last_promoted_by == "bob@example.com"


def test_every_problem_names_its_line_and_column() -> None:
    text = (
        f"{HEADER},onMain,prodLatestVersion,lastPromotedAt,mappingSource\n"
        "dev-1,team-a,prod-1,Orders API,connector-settings,,,,\n"
        "\n"
        "dev-2,team-a,,Orders DB,connection,maybe,0,yesterday,MANUAL\n"
        "dev-3,team-a,prod-3,Naive,process,,,2026-01-02T03:04:05,\n"
    )

    assert problems_of(text) == [
        "line 4, column prodComponentId: empty",
        "line 4, column componentType: 'connection' is not a Boomi component type "
        "(for example connector-settings, transform.map, process)",
        "line 4, column mappingSource: 'MANUAL' is not ADMIN_SEEDING or PROMOTION_ENGINE",
        "line 4, column prodLatestVersion: '0' is not a whole number of 1 or more",
        "line 4, column onMain: 'maybe' is not true or false",
        "line 4, column lastPromotedAt: 'yesterday' is not an ISO-8601 timestamp",
        "line 5, column lastPromotedAt: the timestamp needs a time zone, e.g. a trailing Z",
    ]


def test_line_numbers_count_physical_lines_of_quoted_values() -> None:
    text = f'{HEADER}\ndev-1,team-a,prod-1,"two\nlines",process\ndev-2,team-a,,x,process\n'

    assert problems_of(text) == ["line 4, column prodComponentId: empty"]


def test_a_dev_component_twice_for_one_account_is_an_error() -> None:
    text = (
        f"{HEADER}\n"
        "dev-1,team-a,prod-1,A,connector-settings\n"
        "dev-1,team-b,prod-1,A,connector-settings\n"
        "dev-1,team-a,prod-2,A,connector-settings\n"
    )

    assert problems_of(text) == [
        "line 4, column devComponentId: duplicate of line 2 (same devComponentId and devAccountId)"
    ]


def test_header_problems_are_reported_before_any_row() -> None:
    assert problems_of("devComponentId,devAccountId,componentName,componentName\n") == [
        "line 1, column componentName: the column appears twice",
        "line 1, column prodComponentId: required column is missing",
        "line 1, column componentType: required column is missing",
    ]
    assert problems_of("") == ["line 1: the file is empty"]


def test_too_many_values_and_overlong_ids_are_errors() -> None:
    text = f"{HEADER}\ndev-1,team-a,prod-1,Orders, API,process\n{'d' * 101},team-a,p,N,process\n"

    assert problems_of(text) == [
        "line 2: 6 values but the header names 5 columns (quote values that contain commas)",
        "line 3, column devComponentId: longer than 100 characters",
    ]


def test_blank_rows_and_a_byte_order_mark_are_ignored() -> None:
    text = f"\ufeff{HEADER}\n,,,,\ndev-1,team-a,prod-1,A,process\n\n"

    assert [row.line for row in parse_mappings_csv(text)] == [3]


def test_format_then_parse_gives_back_every_value() -> None:
    mapping = stored(component_name='=HYPERLINK("x")', last_promoted_at=EARLIER)

    text = format_mappings_csv([mapping])
    [row] = parse_mappings_csv(text)

    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert "'=HYPERLINK" in text, "a formula is escaped for spreadsheets"
    assert row.component_name == mapping.component_name
    assert row.mapping_source is MappingSource.PROMOTION_ENGINE
    assert (row.prod_latest_version, row.on_main) == (4, False)
    assert row.last_promoted_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert merge_row(mapping, row, actor="x@example.com", now=NOW, prod_account_id="p") is None


def row_for(**overrides: object) -> MappingRow:
    values: dict[str, object] = {
        "line": 2,
        "dev_component_id": "dev-1",
        "dev_account_id": "team-a",
        "prod_component_id": "prod-1",
        "component_name": "Orders API",
        "component_type": "connector-settings",
        "mapping_source": MappingSource.PROMOTION_ENGINE,
    }
    values.update(overrides)
    return MappingRow(**values)  # type: ignore[arg-type]


def test_a_row_that_says_nothing_new_is_unchanged() -> None:
    assert (
        merge_row(stored(), row_for(), actor="c@example.com", now=NOW, prod_account_id="x") is None
    )


def test_a_changed_row_keeps_unstated_values_of_the_same_target() -> None:
    merged = merge_row(
        stored(),
        row_for(component_name="Orders API v2"),
        actor="carol@example.com",
        now=NOW,
        prod_account_id="ignored",
    )

    assert merged is not None
    assert merged.component_name == "Orders API v2"
    assert (merged.prod_latest_version, merged.on_main) == (4, False)
    assert merged.last_promotion_id == "promotion-7"
    assert merged.prod_account_id == "primary-1"
    assert (merged.last_promoted_at, merged.last_promoted_by) == (NOW, "carol@example.com")


def test_a_new_target_starts_as_a_seeded_mapping_on_main() -> None:
    merged = merge_row(
        stored(),
        row_for(prod_component_id="prod-2", mapping_source=MappingSource.ADMIN_SEEDING),
        actor="carol@example.com",
        now=NOW,
        prod_account_id="ignored",
    )

    assert merged is not None
    assert (merged.prod_latest_version, merged.on_main, merged.last_promotion_id) == (1, True, None)
    assert merged.mapping_source == MappingSource.ADMIN_SEEDING


def test_a_new_mapping_takes_the_given_primary_account_and_stated_values() -> None:
    merged = merge_row(
        None,
        row_for(prod_latest_version=9, on_main=False, last_promoted_by="bob@example.com"),
        actor="carol@example.com",
        now=NOW,
        prod_account_id="primary-9",
    )

    assert merged is not None
    assert merged.prod_account_id == "primary-9"
    assert (merged.prod_latest_version, merged.on_main) == (9, False)
    assert merged.last_promoted_by == "bob@example.com"
