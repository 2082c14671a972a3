"""QueryFilter bodies (JSON and the official XML form) and their evaluation against records.

Each queryable object declares its properties as a :class:`QuerySchema`; a filter naming any
other property is refused with 400, as Boomi does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from lxml import etree

from boomi_promo.emulator.errors import bad_request
from boomi_promo.xmlsafe import UnsafeXmlError, XmlSyntaxError, parse_xml

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

Value = str | int | bool | None
T = TypeVar("T")

ARGUMENT_COUNTS: dict[str, int] = {
    "EQUALS": 1,
    "NOT_EQUALS": 1,
    "LIKE": 1,
    "CONTAINS": 1,
    "NOT_CONTAINS": 1,
    "IS_NULL": 0,
    "IS_NOT_NULL": 0,
    "BETWEEN": 2,
    "GREATER_THAN": 1,
    "GREATER_THAN_OR_EQUAL": 1,
    "LESS_THAN": 1,
    "LESS_THAN_OR_EQUAL": 1,
}


@dataclass(frozen=True)
class SimpleExpression:
    operator: str
    property: str
    arguments: tuple[str, ...]


@dataclass(frozen=True)
class GroupingExpression:
    operator: str
    """``and`` or ``or``."""
    nested: tuple[Expression, ...]


Expression = SimpleExpression | GroupingExpression


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _simple(operator: str, prop: str, arguments: list[str]) -> SimpleExpression:
    operator = operator.upper()
    if operator not in ARGUMENT_COUNTS:
        raise bad_request(f"Unsupported query operator {operator!r}.")
    if not prop:
        raise bad_request(f"Query expression with operator {operator} names no property.")
    if len(arguments) != ARGUMENT_COUNTS[operator]:
        raise bad_request(
            f"Operator {operator} takes {ARGUMENT_COUNTS[operator]} argument(s), "
            f"{len(arguments)} given for property {prop!r}."
        )
    return SimpleExpression(operator, prop, tuple(arguments))


def _grouping(operator: str, nested: tuple[Expression, ...]) -> GroupingExpression:
    if operator.lower() not in ("and", "or"):
        raise bad_request(f"Grouping operator must be 'and' or 'or', not {operator!r}.")
    return GroupingExpression(operator.lower(), nested)


def _from_json(node: Any) -> Expression:
    if not isinstance(node, dict):
        raise bad_request("A query expression must be an object.")
    operator = str(node.get("operator", ""))
    if "nestedExpression" in node or operator.lower() in ("and", "or"):
        nested = node.get("nestedExpression") or []
        if isinstance(nested, dict):
            nested = [nested]
        if not isinstance(nested, list):
            raise bad_request("nestedExpression must be a list of expressions.")
        return _grouping(operator, tuple(_from_json(child) for child in nested))
    arguments = node.get("argument", [])
    if isinstance(arguments, str | int | float | bool):
        arguments = [arguments]
    if not isinstance(arguments, list):
        raise bad_request("argument must be a list of strings.")
    return _simple(operator, str(node.get("property", "")), [_argument(a) for a in arguments])


def _argument(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _from_xml(element: etree._Element) -> Expression:
    operator = element.get("operator")
    if operator is None:
        raise bad_request(
            "XML query expressions carry 'operator' and 'property' as attributes "
            "(xsi:type SimpleExpression or GroupingExpression)."
        )
    xsi_type = element.get(XSI_TYPE, "")
    children = [child for child in element if _local(child.tag) == "nestedExpression"]
    if "Grouping" in xsi_type or operator.lower() in ("and", "or"):
        return _grouping(operator, tuple(_from_xml(child) for child in children))
    arguments = [child.text or "" for child in element if _local(child.tag) == "argument"]
    return _simple(operator, element.get("property", ""), arguments)


_NO_EXPRESSION = (
    "A QueryFilter needs an expression; to match everything, send an empty 'and' group "
    '({"operator": "and", "nestedExpression": []}) or no body.'
)


def parse_query_filter(body: bytes, content_type: str) -> Expression | None:
    """The filter's expression; ``None`` (no body at all) means "everything"."""
    if not body.strip():
        return None
    if "xml" in content_type or body.lstrip().startswith(b"<"):
        try:
            root = parse_xml(body)
        except (UnsafeXmlError, XmlSyntaxError) as exc:
            raise bad_request(str(exc)) from exc
        if _local(root.tag) != "QueryFilter":
            raise bad_request("The request body must be a QueryFilter.")
        expressions = [child for child in root if _local(child.tag) == "expression"]
        if not expressions:
            raise bad_request(_NO_EXPRESSION)
        return _from_xml(expressions[0])
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise bad_request(f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("QueryFilter"), dict):
        raise bad_request('The request body must be {"QueryFilter": {...}}.')
    expression = document["QueryFilter"].get("expression")
    if expression is None:
        raise bad_request(_NO_EXPRESSION)
    return _from_json(expression)


@dataclass(frozen=True)
class QuerySchema(Generic[T]):
    object_type: str
    properties: Mapping[str, Callable[[T], Value]]
    case_insensitive_names: bool = False

    def _getter(self, name: str) -> Callable[[T], Value]:
        if name in self.properties:
            return self.properties[name]
        if self.case_insensitive_names:
            for known, getter in self.properties.items():
                if known.lower() == name.lower():
                    return getter
        raise bad_request(f"Query property {name!r} does not exist for {self.object_type}.")

    def compile(self, expression: Expression | None) -> Callable[[T], bool]:
        if expression is None:
            return lambda _item: True
        if isinstance(expression, GroupingExpression):
            parts = [self.compile(child) for child in expression.nested]
            if expression.operator == "or":
                return lambda item: any(part(item) for part in parts) if parts else True
            return lambda item: all(part(item) for part in parts)
        getter = self._getter(expression.property)
        test = _operator_test(expression)
        return lambda item: test(getter(item))


def _coerce(value: Value, argument: str, prop: str) -> tuple[Any, Any]:
    if isinstance(value, bool):
        return value, argument.strip().lower() == "true"
    if isinstance(value, int):
        try:
            return value, int(argument)
        except ValueError:
            raise bad_request(f"Property {prop!r} takes a number, not {argument!r}.") from None
    return value, argument


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "^" + ".*".join(re.escape(part) for part in pattern.split("%")) + "$",
        re.IGNORECASE | re.DOTALL,
    )


def _operator_test(expression: SimpleExpression) -> Callable[[Value], bool]:
    operator, prop, args = expression.operator, expression.property, expression.arguments
    if operator == "IS_NULL":
        return lambda value: value is None or value == ""
    if operator == "IS_NOT_NULL":
        return lambda value: value is not None and value != ""
    if operator == "LIKE":
        pattern = _like(args[0])
        return lambda value: value is not None and bool(pattern.match(_text(value)))

    def test(value: Value) -> bool:
        if value is None:
            return operator == "NOT_EQUALS"
        left, right = _coerce(value, args[0], prop)
        if operator == "EQUALS":
            return bool(left == right)
        if operator == "NOT_EQUALS":
            return bool(left != right)
        if operator == "CONTAINS":
            return args[0] in _text(value)
        if operator == "NOT_CONTAINS":
            return args[0] not in _text(value)
        if operator == "BETWEEN":
            _, upper = _coerce(value, args[1], prop)
            return bool(right <= left <= upper)
        if operator == "GREATER_THAN":
            return bool(left > right)
        if operator == "GREATER_THAN_OR_EQUAL":
            return bool(left >= right)
        if operator == "LESS_THAN":
            return bool(left < right)
        return bool(left <= right)

    return test


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def equality_arguments(expression: Expression | None, prop: str) -> list[str]:
    """Values the filter requires ``prop`` to EQUAL (top level or under ``and`` groups)."""
    if expression is None:
        return []
    if isinstance(expression, SimpleExpression):
        if expression.operator == "EQUALS" and expression.property == prop:
            return [expression.arguments[0]]
        return []
    if expression.operator != "and":
        return []
    found: list[str] = []
    for child in expression.nested:
        found.extend(equality_arguments(child, prop))
    return found


MAX_DISJUNCTS = 1000
"""Largest ``or`` of ``and``s a filter may expand to; a bigger one is refused, not evaluated."""


def disjuncts(expression: Expression | None) -> list[list[SimpleExpression]]:
    """The filter as an ``or`` of ``and``-ed simple expressions (its disjunctive normal form):
    each inner list is one way a row can match. ``[[]]`` (one empty clause) for no filter."""
    if expression is None:
        return [[]]
    if isinstance(expression, SimpleExpression):
        return [[expression]]
    parts = [disjuncts(child) for child in expression.nested]
    if expression.operator == "or":
        return [clause for part in parts for clause in part] or [[]]
    clauses: list[list[SimpleExpression]] = [[]]
    for part in parts:
        clauses = [left + right for left in clauses for right in part]
        if len(clauses) > MAX_DISJUNCTS:
            raise bad_request("The query filter is too complex; split it into several queries.")
    return clauses


def clause_arguments(clause: list[SimpleExpression], prop: str) -> list[str]:
    """Values one ``and`` clause (see :func:`disjuncts`) requires ``prop`` to EQUAL."""
    return [e.arguments[0] for e in clause if e.operator == "EQUALS" and e.property == prop]


def parse_query_token(body: bytes) -> str:
    """queryMore takes the bare token (text/plain); ``{"queryToken": ...}`` is accepted too."""
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise bad_request(f"The request body is not valid JSON: {exc}") from exc
        token = document.get("queryToken") if isinstance(document, dict) else None
        if not isinstance(token, str):
            raise bad_request("queryMore takes the queryToken of the previous page.")
        return token
    if not text:
        raise bad_request("queryMore takes the queryToken of the previous page.")
    return text
