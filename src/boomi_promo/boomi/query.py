"""QueryFilter: the body of every ``POST /{Object}/query`` call, in its JSON form.

::

    QueryFilter.where("currentVersion", Operator.EQUALS, True).and_(
        QueryFilter.where("name", Operator.LIKE, "Orders%").or_(
            QueryFilter.where("type", Operator.EQUALS, "process")
        )
    ).to_json()

Arguments are sent as strings, as Boomi expects (``True`` becomes ``"true"``, ``3``
becomes ``"3"``). The number of arguments is checked against the operator. The operators are
those of Boomi's OpenAPI enums (no STARTS_WITH: use LIKE with ``%``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

Argument = str | int | bool


class Operator(StrEnum):
    EQUALS = "EQUALS"
    NOT_EQUALS = "NOT_EQUALS"
    LIKE = "LIKE"
    """``%`` is the wildcard."""
    CONTAINS = "CONTAINS"
    NOT_CONTAINS = "NOT_CONTAINS"
    IS_NULL = "IS_NULL"
    IS_NOT_NULL = "IS_NOT_NULL"
    BETWEEN = "BETWEEN"
    GREATER_THAN = "GREATER_THAN"
    GREATER_THAN_OR_EQUAL = "GREATER_THAN_OR_EQUAL"
    LESS_THAN = "LESS_THAN"
    LESS_THAN_OR_EQUAL = "LESS_THAN_OR_EQUAL"

    @property
    def argument_count(self) -> int:
        if self in (Operator.IS_NULL, Operator.IS_NOT_NULL):
            return 0
        if self is Operator.BETWEEN:
            return 2
        return 1


@dataclass(frozen=True)
class SimpleExpression:
    operator: Operator
    property: str
    arguments: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "operator": self.operator.value,
            "property": self.property,
            "argument": list(self.arguments),
        }


@dataclass(frozen=True)
class GroupingExpression:
    operator: Literal["and", "or"]
    nested: tuple[Expression, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "nestedExpression": [expression.to_json() for expression in self.nested],
        }


Expression = SimpleExpression | GroupingExpression


def _argument_text(argument: Argument) -> str:
    if isinstance(argument, bool):
        return "true" if argument else "false"
    return str(argument)


@dataclass(frozen=True)
class QueryFilter:
    """An immutable query filter; ``expression`` is ``None`` for "everything"."""

    expression: Expression | None = None

    @classmethod
    def all(cls) -> QueryFilter:
        """Match every object."""
        return cls()

    @classmethod
    def where(
        cls, property_name: str, operator: Operator | str, *arguments: Argument
    ) -> QueryFilter:
        op = Operator(operator)
        if len(arguments) != op.argument_count:
            raise ValueError(
                f"{op.value} takes {op.argument_count} argument(s), got {len(arguments)}"
            )
        if not property_name:
            raise ValueError("a query expression needs a property name")
        texts = tuple(_argument_text(argument) for argument in arguments)
        return cls(SimpleExpression(op, property_name, texts))

    def and_(self, *others: QueryFilter) -> QueryFilter:
        """This filter and every one of ``others`` must match."""
        return self._group("and", others)

    def or_(self, *others: QueryFilter) -> QueryFilter:
        """This filter or any one of ``others`` must match."""
        return self._group("or", others)

    def _group(
        self, operator: Literal["and", "or"], others: tuple[QueryFilter, ...]
    ) -> QueryFilter:
        filters = (self, *others)
        if operator == "or" and any(f.expression is None for f in filters):
            return QueryFilter.all()  # "everything" or anything is everything
        # "everything" adds no condition to a conjunction
        parts = [f.expression for f in filters if f.expression is not None]
        if not parts:
            return QueryFilter.all()
        if len(parts) == 1:
            return QueryFilter(parts[0])
        flat: list[Expression] = []
        for part in parts:
            # a.and_(b).and_(c) gives one group of three, not a group inside a group
            if isinstance(part, GroupingExpression) and part.operator == operator:
                flat.extend(part.nested)
            else:
                flat.append(part)
        return QueryFilter(GroupingExpression(operator, tuple(flat)))

    def to_json(self) -> dict[str, Any]:
        # Boomi's schema requires an expression: "everything" is an empty conjunction.
        expression = self.expression or GroupingExpression("and", ())
        return {"QueryFilter": {"expression": expression.to_json()}}
