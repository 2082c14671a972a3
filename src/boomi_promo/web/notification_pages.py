"""The Admin lane's Notifications page: the configured channels, what was sent to each and what
failed (with the error and the attempts), filtered by status or channel, and a button that sends
a test message to every channel and shows each outcome."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from boomi_promo.actions.notifications import (
    ListNotificationDeliveriesResponse,
    SendTestNotificationResponse,
    TestOutcome,
)
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.web import gateway
from boomi_promo.web.guards import Admin, container_of, verified_csrf
from boomi_promo.web.package_list import parse_page
from boomi_promo.web.paging import PageView
from boomi_promo.web.templating import render

NOTIFICATIONS_PATH = "/admin/notifications"
PAGE_SIZE = 50
STATUSES = ("PENDING", "SENT", "FAILED")

router = APIRouter(include_in_schema=False)


async def _page(
    request: Request,
    principal: Principal,
    *,
    status: str = "",
    channel: str = "",
    page: int = 1,
    outcomes: list[TestOutcome] | None = None,
    status_code: int = 200,
) -> Response:
    error = ""
    listed: ListNotificationDeliveriesResponse | None = None
    filters: dict[str, Any] = {
        "status": status if status in STATUSES else "",
        "channel": channel,
        "page": page,
        "pageSize": PAGE_SIZE,
    }
    try:
        listed = await gateway.run(
            container_of(request),
            principal,
            "listNotificationDeliveries",
            filters,
            ListNotificationDeliveriesResponse,
        )
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    return render(
        request,
        "admin_notifications.html",
        {
            "listed": listed,
            "page": PageView(
                items=listed.deliveries if listed else [],
                total=listed.total_count if listed else 0,
                number=page,
                size=PAGE_SIZE,
            ),
            "status": filters["status"],
            "channel": channel,
            "statuses": STATUSES,
            "outcomes": outcomes,
            "error": error,
        },
        principal=principal,
        active="admin-notifications",
        status_code=status_code,
    )


@router.get(NOTIFICATIONS_PATH, name="admin_notifications")
async def notifications(
    request: Request, principal: Admin, status: str = "", channel: str = "", page: str = "1"
) -> Response:
    return await _page(
        request, principal, status=status.strip(), channel=channel.strip(), page=parse_page(page)
    )


@router.post(f"{NOTIFICATIONS_PATH}/test", dependencies=[Depends(verified_csrf)])
async def send_test(request: Request, principal: Admin) -> Response:
    try:
        sent = await gateway.run(
            container_of(request),
            principal,
            "sendTestNotification",
            {},
            SendTestNotificationResponse,
        )
    except PromoError as exc:
        return await _page(request, principal, status_code=exc.status_code)
    return await _page(request, principal, outcomes=sent.outcomes)
