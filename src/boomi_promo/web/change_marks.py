"""Which components of a promotion changed, and the "Changed only" view of them.

A promotion writes only the components that differ from what its branch starts from (issue 16);
the rest it lists UNCHANGED. The review pages and the promotion page mark each component
changed or unchanged, and ``?changed=only`` narrows the list to the changed ones: a plain link,
so the filter works without scripts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

from boomi_promo.actions.status import PromotionItem
from boomi_promo.web.labels import is_changed

CHANGED_PARAM = "changed"
CHANGED_ONLY = "only"

Item = TypeVar("Item")


@dataclass(frozen=True)
class ChangedFilter(Generic[Item]):
    """A promotion's components, all of them or only the changed ones."""

    components: list[Item]
    """Every component, in the order the promotion lists them."""
    changed: list[Item]
    changed_only: bool
    all_url: str
    changed_url: str

    @property
    def shown(self) -> list[Item]:
        return self.changed if self.changed_only else self.components

    @property
    def hidden(self) -> int:
        """How many components the filter leaves out."""
        return len(self.components) - len(self.shown)


def changed_filter(
    request: Request, components: Sequence[Item], action_of: Callable[[Item], str]
) -> ChangedFilter[Item]:
    """The components as the request asks to see them (``?changed=only``)."""
    others = [(k, v) for k, v in request.query_params.multi_items() if k != CHANGED_PARAM]
    path = request.url.path

    def url(extra: list[tuple[str, str]]) -> str:
        query = urlencode(others + extra)
        return f"{path}?{query}#components" if query else f"{path}#components"

    return ChangedFilter(
        components=list(components),
        changed=[item for item in components if is_changed(action_of(item))],
        changed_only=request.query_params.get(CHANGED_PARAM) == CHANGED_ONLY,
        all_url=url([]),
        changed_url=url([(CHANGED_PARAM, CHANGED_ONLY)]),
    )


def component_counts(promotion: PromotionItem) -> str:
    """The Components fact of a promotion record, every component counted once.

    ``componentsTotal`` is the whole resolved tree: besides what was created, updated or left
    unchanged it holds the shared connections the promotion used as mapped (never written) and,
    after a failure, the components it failed on or did not reach.
    """
    written = [
        (promotion.components_created, "created"),
        (promotion.components_updated, "updated"),
        (promotion.components_unchanged, "unchanged"),
        (promotion.components_failed, "failed"),
    ]
    rest = max(promotion.components_total - sum(count for count, _ in written), 0)
    connections = min(_connection_count(promotion), rest)
    rest -= connections
    skipped = sum(1 for result in promotion.promotion_results if result.action == "SKIPPED")
    not_reached = min(skipped, rest)
    rest -= not_reached
    connection_words = "shared connection" if connections == 1 else "shared connections"
    parts = [
        *written,
        (connections, f"{connection_words} used as mapped"),
        (not_reached, "not reached"),
        (rest, "not written"),
    ]
    shown = [
        f"{count} {what}"
        for index, (count, what) in enumerate(parts)
        # Created and updated are always said; the rest only when there are some.
        if count > 0 or index < 2
    ]
    return f"{promotion.components_total} ({', '.join(shown)})"


def _connection_count(promotion: PromotionItem) -> int:
    """The connections of the promotion's tree, as its stored result detail lists them."""
    if not promotion.result_detail:
        return 0
    try:
        detail = json.loads(promotion.result_detail)
    except ValueError:
        return 0
    connections = detail.get("connections") if isinstance(detail, dict) else None
    return len(connections) if isinstance(connections, list) else 0
