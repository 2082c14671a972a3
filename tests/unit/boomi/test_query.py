from __future__ import annotations

import pytest

from boomi_promo.boomi import Operator, QueryFilter


def test_all_lists_everything_with_an_empty_conjunction() -> None:
    # Boomi's schema requires an expression; an empty "and" group matches everything.
    assert QueryFilter.all().to_json() == {
        "QueryFilter": {"expression": {"operator": "and", "nestedExpression": []}}
    }


def test_only_operators_of_boomis_enums_exist() -> None:
    assert "STARTS_WITH" not in Operator.__members__
    with pytest.raises(ValueError):
        QueryFilter.where("name", "STARTS_WITH", "Orders")


def test_a_single_expression_sits_directly_under_expression() -> None:
    query = QueryFilter.where("componentId", Operator.EQUALS, "abc")
    assert query.to_json() == {
        "QueryFilter": {
            "expression": {"operator": "EQUALS", "property": "componentId", "argument": ["abc"]}
        }
    }


def test_arguments_are_always_strings() -> None:
    expression = QueryFilter.where("currentVersion", "EQUALS", True).to_json()["QueryFilter"]
    assert expression["expression"]["argument"] == ["true"]
    between = QueryFilter.where("version", Operator.BETWEEN, 2, 5).to_json()["QueryFilter"]
    assert between["expression"]["argument"] == ["2", "5"]
    assert (
        QueryFilter.where("branchId", Operator.IS_NULL).to_json()["QueryFilter"]["expression"][
            "argument"
        ]
        == []
    )


@pytest.mark.parametrize(
    ("operator", "arguments"),
    [
        (Operator.EQUALS, ()),
        (Operator.EQUALS, ("a", "b")),
        (Operator.BETWEEN, ("a",)),
        (Operator.IS_NOT_NULL, ("a",)),
    ],
)
def test_the_argument_count_must_fit_the_operator(
    operator: Operator, arguments: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError, match="argument"):
        QueryFilter.where("name", operator, *arguments)


def test_unknown_operators_are_refused() -> None:
    with pytest.raises(ValueError):
        QueryFilter.where("name", "SOUNDS_LIKE", "x")


def test_and_or_nest_and_flatten() -> None:
    current = QueryFilter.where("currentVersion", Operator.EQUALS, True)
    live = QueryFilter.where("deleted", Operator.EQUALS, False)
    process = QueryFilter.where("type", Operator.EQUALS, "process")
    route = QueryFilter.where("type", Operator.EQUALS, "processroute")

    query = current.and_(live).and_(process.or_(route))

    assert query.to_json() == {
        "QueryFilter": {
            "expression": {
                "operator": "and",
                "nestedExpression": [
                    {"operator": "EQUALS", "property": "currentVersion", "argument": ["true"]},
                    {"operator": "EQUALS", "property": "deleted", "argument": ["false"]},
                    {
                        "operator": "or",
                        "nestedExpression": [
                            {"operator": "EQUALS", "property": "type", "argument": ["process"]},
                            {
                                "operator": "EQUALS",
                                "property": "type",
                                "argument": ["processroute"],
                            },
                        ],
                    },
                ],
            }
        }
    }


def test_everything_is_neutral_in_and_and_absorbing_in_or() -> None:
    name = QueryFilter.where("name", Operator.LIKE, "promo-%")
    assert QueryFilter.all().and_(name) == name
    assert name.and_(QueryFilter.all()) == name
    assert name.or_(QueryFilter.all()) == QueryFilter.all()
