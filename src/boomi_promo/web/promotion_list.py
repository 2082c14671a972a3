"""The Promotions page: every change an admin may see (a contributor: their teams' changes),
one row per change with its Test and Production steps together, filtered by team, status,
process, person and date; and the audit timeline a promotion's page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from boomi_promo.actions.accounts import DevAccountItem
from boomi_promo.actions.status import GetPromotionHistoryResponse, QueryStatusResponse
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.web import gateway
from boomi_promo.web.guards import Developer, container_of
from boomi_promo.web.package_list import parse_page
from boomi_promo.web.paging import PageView
from boomi_promo.web.templating import render

ALL_PROMOTIONS_PATH = "/promotions/all"
PAGE_SIZE = 25
STATUSES = [status.value for status in PromotionStatus]

router = APIRouter(include_in_schema=False)


def _date(value: str) -> str:
    """A date from the filter form, or "" when it is not one (the form keeps what was typed)."""
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return ""


@dataclass(frozen=True)
class ChangeSearch:
    team: str = ""
    status: str = ""
    process: str = ""
    person: str = ""
    since: str = ""
    until: str = ""
    page: int = 1

    def payload(self) -> dict[str, Any]:
        return {
            "changesOnly": True,
            "devAccountId": self.team,
            "status": self.status if self.status in STATUSES else "",
            "processName": self.process,
            "initiatedBy": self.person,
            "startDate": f"{self.since}T00:00:00Z" if self.since else "",
            "endDate": f"{self.until}T23:59:59Z" if self.until else "",
            "page": self.page,
            "pageSize": PAGE_SIZE,
        }

    def url(self, page: int | None = None) -> str:
        params = {
            "team": self.team,
            "status": self.status,
            "process": self.process,
            "person": self.person,
            "since": self.since,
            "until": self.until,
            "page": str(page or self.page) if (page or self.page) > 1 else "",
        }
        query = urlencode({k: v for k, v in params.items() if v})
        return ALL_PROMOTIONS_PATH + (f"?{query}" if query else "")

    @property
    def filtered(self) -> bool:
        return any((self.team, self.status, self.process, self.person, self.since, self.until))


@router.get(ALL_PROMOTIONS_PATH, name="all_promotions")
async def all_promotions(
    request: Request,
    principal: Developer,
    team: str = "",
    status: str = "",
    process: str = "",
    person: str = "",
    since: str = "",
    until: str = "",
    page: str = "1",
) -> Response:
    search = ChangeSearch(
        team=team.strip(),
        status=status.strip(),
        process=process.strip(),
        person=person.strip(),
        since=_date(since),
        until=_date(until),
        page=parse_page(page),
    )
    container = container_of(request)
    error, status_code = "", 200
    accounts: list[DevAccountItem] = []
    found: QueryStatusResponse | None = None
    try:
        accounts = await gateway.dev_accounts(container, principal)
        found = await gateway.run(
            container, principal, "queryStatus", search.payload(), QueryStatusResponse
        )
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    return render(
        request,
        "all_promotions.html",
        {
            "search": search,
            "accounts": accounts,
            "account_names": {a.account_id: a.account_name for a in accounts},
            "statuses": STATUSES,
            "page": PageView(
                items=found.promotions if found else [],
                total=found.total_count if found else 0,
                number=search.page,
                size=PAGE_SIZE,
            ),
            "error": error,
        },
        principal=principal,
        active="all-promotions",
        status_code=status_code,
    )


async def promotion_history(
    request: Request, principal: Principal, promotion_id: str
) -> GetPromotionHistoryResponse | None:
    """The audit timeline of a promotion for its page; ``None`` when it cannot be read now."""
    try:
        return await gateway.run(
            container_of(request),
            principal,
            "getPromotionHistory",
            {"promotionId": promotion_id},
            GetPromotionHistoryResponse,
        )
    except PromoError:
        return None
