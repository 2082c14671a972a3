"""The Mapping Viewer's search, paging and forms, and how their errors are told.

Errors from manageMappings name the field in the API's terms (``prodComponentId``,
``devConnections[2].devComponentId``); the page names it as its form labels do ("Prod
component id", "Dev connection id in row 3") and marks that input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from boomi_promo.actions.mapping_records import MappingItem
from boomi_promo.errors import PromoError

PAGE_SIZE = 25
SEED_ROWS = 3
"""Blank dev connection rows the seed form starts with; "Add a row" adds more."""
MAX_SEED_ROWS = 50
_SEED_FIELD = re.compile(r"^devConnections\[(\d+)\]\.(devAccountId|devComponentId)$")
FIELD_LABELS = {
    "prodComponentId": "Prod component id",
    "devComponentId": "Dev component id",
    "devAccountId": "Dev account",
    "componentType": "Component type",
    "devConnections": "Dev connections",
    "nameContains": "Name contains",
}


@dataclass(frozen=True)
class MappingSearch:
    """What the list shows: name search, filters and page, as they travel in the URL."""

    name_contains: str = ""
    dev_account_id: str = ""
    component_type: str = ""
    page: int = 1

    def payload(self) -> dict[str, Any]:
        return {
            "action": "query",
            "nameContains": self.name_contains,
            "devAccountId": self.dev_account_id,
            "componentType": self.component_type,
            "page": self.page,
            "pageSize": PAGE_SIZE,
        }

    def query_string(self, page: int | None = None) -> str:
        params = {
            "q": self.name_contains,
            "account": self.dev_account_id,
            "type": self.component_type,
        }
        number = self.page if page is None else page
        if number > 1:
            params["page"] = str(number)
        return urlencode({k: v for k, v in params.items() if v})

    def url(self, page: int | None = None) -> str:
        query = self.query_string(page)
        return "/admin/mappings" + (f"?{query}" if query else "")

    @property
    def filtered(self) -> bool:
        return bool(self.name_contains or self.dev_account_id or self.component_type)


@dataclass(frozen=True)
class RowEdit:
    """A failed edit of one row: shown open again, with what was typed and why it failed."""

    dev_account_id: str
    dev_component_id: str
    prod_component_id: str
    message: str

    def is_for(self, mapping: MappingItem) -> bool:
        return (mapping.dev_account_id, mapping.dev_component_id) == (
            self.dev_account_id,
            self.dev_component_id,
        )


@dataclass(frozen=True)
class SeedRow:
    dev_account_id: str = ""
    dev_component_id: str = ""

    @property
    def blank(self) -> bool:
        return not self.dev_account_id and not self.dev_component_id


@dataclass
class SeedForm:
    prod_component_id: str = ""
    rows: list[SeedRow] = field(default_factory=lambda: [SeedRow()] * SEED_ROWS)
    errors: dict[str, str] = field(default_factory=dict)
    """Input name → the sentence shown next to it."""
    message: str = ""

    @classmethod
    def submitted(
        cls, prod_component_id: str, accounts: Sequence[str], components: Sequence[str]
    ) -> SeedForm:
        rows = [
            SeedRow(account.strip(), component.strip())
            for account, component in zip(accounts, components, strict=False)
        ][:MAX_SEED_ROWS]
        return cls(prod_component_id=prod_component_id.strip(), rows=rows or [SeedRow()])

    def with_another_row(self) -> SeedForm:
        if len(self.rows) < MAX_SEED_ROWS:
            self.rows = [*self.rows, SeedRow()]
        return self

    @property
    def filled(self) -> list[tuple[int, SeedRow]]:
        """(row index on the form, row) of the rows that are not blank."""
        return [(index, row) for index, row in enumerate(self.rows) if not row.blank]

    def check(self) -> bool:
        """Record what is missing before asking the service; True when nothing is."""
        if not self.prod_component_id:
            self.errors["prodComponentId"] = "Prod component id: enter the prod connection's id."
        if not self.filled:
            self.errors["row-0-component"] = (
                "Dev connections: enter at least one dev account and dev connection id."
            )
        for index, row in self.filled:
            if not row.dev_account_id:
                self.errors[f"row-{index}-account"] = (
                    f"Dev account in row {index + 1}: choose the dev account of this connection."
                )
            if not row.dev_component_id:
                self.errors[f"row-{index}-component"] = (
                    f"Dev connection id in row {index + 1}: enter the dev connection's id."
                )
        if self.errors:
            self.message = "Nothing was seeded: " + " ".join(self.errors.values())
        return not self.errors

    def payload(self) -> dict[str, Any]:
        return {
            "action": "seedConnection",
            "prodComponentId": self.prod_component_id,
            "devConnections": [
                {"devAccountId": row.dev_account_id, "devComponentId": row.dev_component_id}
                for _, row in self.filled
            ],
        }

    def refused(self, error: PromoError) -> None:
        """Show the service's refusal next to the inputs it names."""
        problems = error.details.get("problems")
        named = (
            [(str(p.get("field", "")), str(p.get("message", ""))) for p in problems]
            if isinstance(problems, list) and all(isinstance(p, dict) for p in problems)
            else []
        )
        for api_field, text in named:
            self.errors[self.input_for(api_field)] = (
                f"{self.label_for(api_field)}: {text.rstrip('.')}."
            )
        if named:
            self.message = "Nothing was seeded: " + " ".join(self.errors.values())
            return
        sentence = field_sentence(error, self.label_for(error.field or ""))
        if error.field:
            self.errors[self.input_for(error.field)] = sentence
        self.message = sentence

    def input_for(self, api_field: str) -> str:
        found = _SEED_FIELD.match(api_field)
        if found is None:
            return api_field if api_field == "prodComponentId" else "row-0-component"
        index, name = int(found.group(1)), found.group(2)
        filled = self.filled
        row = filled[index][0] if index < len(filled) else index
        return f"row-{row}-{'account' if name == 'devAccountId' else 'component'}"

    def label_for(self, api_field: str) -> str:
        found = _SEED_FIELD.match(api_field)
        if found is None:
            return FIELD_LABELS.get(api_field, "")
        index, name = int(found.group(1)), found.group(2)
        filled = self.filled
        row = filled[index][0] + 1 if index < len(filled) else index + 1
        label = "Dev account" if name == "devAccountId" else "Dev connection id"
        return f"{label} in row {row}"


def field_label(api_field: str | None) -> str:
    return FIELD_LABELS.get(api_field or "", "")


def field_sentence(error: PromoError, label: str | None = None) -> str:
    """The error's message, led by the name of the field it is about when it names one."""
    name = field_label(error.field) if label is None else label
    return f"{name}: {error.message}" if name else error.message
