"""Jinja2 set-up and the one function every dashboard page renders through.

Autoescaping is on for every template, so a component named ``<script>`` shows as text.
Pages extend ``layout``: the full page normally, only the content when htmx asks for a
fragment, so an error page fetched by htmx fits into the element that asked for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from boomi_promo.identity.principal import Principal
from boomi_promo.web.change_marks import component_counts
from boomi_promo.web.labels import (
    component_label,
    is_changed,
    release_status_label,
    status_label,
)
from boomi_promo.web.lanes import lanes_for
from boomi_promo.web.session import csrf_token

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
PRODUCT_NAME = "Boomi Promo"
_TYPE_CLASS_UNSAFE = re.compile(r"[^a-z0-9-]+")


def format_timestamp(value: str) -> str:
    """Boomi's ISO timestamps as ``2025-01-31 14:05 UTC``; anything unparseable as given."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def component_type_class(component_type: str) -> str:
    """A CSS class for a component type's badge: its family (``transform.map`` → ``transform``)."""
    family = component_type.strip().lower().split(".", 1)[0]
    return "type-" + (_TYPE_CLASS_UNSAFE.sub("-", family).strip("-") or "other")


def create_templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["timestamp"] = format_timestamp
    environment.filters["type_class"] = component_type_class
    environment.filters["status_label"] = status_label
    environment.filters["release_status_label"] = release_status_label
    environment.filters["component_label"] = component_label
    environment.tests["changed"] = is_changed
    environment.filters["component_counts"] = component_counts
    return Jinja2Templates(env=environment)


templates = create_templates()


def wants_fragment(request: Request) -> bool:
    """An htmx request for part of a page (a history restore wants the whole page)."""
    headers = request.headers
    restoring_history = headers.get("HX-History-Restore-Request") == "true"
    return headers.get("HX-Request") == "true" and not restoring_history


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    principal: Principal | None,
    active: str = "",
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A page for ``principal`` (None before sign-in), with its lanes and a CSRF token."""
    page_context: dict[str, Any] = {
        "product_name": PRODUCT_NAME,
        "user": principal,
        "lanes": lanes_for(principal.tier) if principal is not None else [],
        "active": active,
        "csrf_token": csrf_token(request),
        "layout": "fragment.html" if wants_fragment(request) else "base.html",
    }
    page_context.update(context or {})
    response = templates.TemplateResponse(
        request, template, page_context, status_code=status_code, headers=dict(headers or {})
    )
    # Pages show one user's data: never keep them in shared or browser caches.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "HX-Request, Cookie"
    return response
