"""P2 listReleases: what each process runs in Test and in Production now, and every release
before it — as this service released them (its audit trail), newest first.

A release a rollback undid is marked, and is never what an environment "runs now". Contributors
see the processes of the dev accounts their team groups grant; admins all of them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from boomi_promo.actions.boomi_ids import OptionalBoomiId
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.actions.status import timestamp, visible_dev_accounts
from boomi_promo.boomi.models import ReleaseStatus
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.deployment.rules import ReleaseType
from boomi_promo.engine.rollback.history import ReleaseEvent, release_events
from boomi_promo.store.tables import NAME

MAX_RELEASED_PROMOTIONS = 500
"""Promotions read for one answer; a narrower filter (process, dev account) reads further back."""


def _blank_as_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class ListReleasesRequest(Profile):
    process_name: Annotated[str | None, BeforeValidator(_blank_as_none)] = Field(
        default=None, max_length=NAME, description="Exact process name"
    )
    dev_account_id: OptionalBoomiId = None


class ReleaseItem(Profile):
    environment: str = Field(description="TEST or PRODUCTION")
    promotion_id: str
    package_version: str = Field(description="The root process's package version released")
    integration_pack_id: str
    integration_pack_name: str
    release_id: str
    released_at: str
    released_by: str
    outcome: str = Field(description="SUCCESS, ERROR, or empty while not yet seen settled")
    rolled_back: bool = Field(description="A rollback undid this release since")


class ProcessReleases(Profile):
    process_name: str
    dev_account_id: str
    dev_account_name: str
    test: ReleaseItem | None = Field(default=None, description="What Test runs now")
    production: ReleaseItem | None = Field(default=None, description="What Production runs now")
    history: list[ReleaseItem] = Field(default_factory=list, description="Newest first")


class ListReleasesResponse(ResponseProfile):
    processes: list[ProcessReleases] = Field(default_factory=list)


def _item(event: ReleaseEvent, environment: ReleaseType) -> ReleaseItem:
    return ReleaseItem(
        environment=environment.value,
        promotion_id=event.promotion_id,
        package_version=event.root_version,
        integration_pack_id=event.pack_id,
        integration_pack_name=event.pack_name,
        release_id=event.release_id,
        released_at=timestamp(event.requested_at),
        released_by=event.requested_by,
        outcome=event.outcome,
        rolled_back=event.rolled_back,
    )


def _running(history: list[ReleaseItem], environment: ReleaseType) -> ReleaseItem | None:
    """The newest release of ``environment`` that did not fail and was not rolled back."""
    return next(
        (
            item
            for item in history
            if item.environment == environment.value
            and item.outcome != ReleaseStatus.ERROR
            and not item.rolled_back
        ),
        None,
    )


@action(
    name="listReleases",
    code="P2",
    description="List Releases",
    request=ListReleasesRequest,
    response=ListReleasesResponse,
)
async def list_releases(ctx: ActionContext, request: ListReleasesRequest) -> ListReleasesResponse:
    accounts = await visible_dev_accounts(ctx, request.dev_account_id)
    groups: dict[tuple[str, str], list[ReleaseItem]] = defaultdict(list)
    names: dict[str, str] = {}
    async with ctx.unit_of_work() as uow:
        released = await uow.promotions.list_released(
            dev_account_ids=accounts,
            process_name=request.process_name,
            limit=MAX_RELEASED_PROMOTIONS,
        )
        for record in released:
            entries = await uow.audit.list_entries(
                target_type="promotion", target_id=record.promotion_id, page_size=500
            )
            key = (record.process_name or record.root_component_id, record.dev_account_id)
            names[record.dev_account_id] = record.dev_account_name or record.dev_account_id
            for environment in (ReleaseType.TEST, ReleaseType.PRODUCTION):
                groups[key] += [
                    _item(event, environment)
                    for event in release_events(record, entries.items, environment)
                ]
    processes = []
    for (process_name, account_id), history in sorted(groups.items()):
        history.sort(key=lambda item: (item.released_at, item.release_id), reverse=True)
        processes.append(
            ProcessReleases(
                process_name=process_name,
                dev_account_id=account_id,
                dev_account_name=names[account_id],
                test=_running(history, ReleaseType.TEST),
                production=_running(history, ReleaseType.PRODUCTION),
                history=history,
            )
        )
    return ListReleasesResponse(processes=processes)
