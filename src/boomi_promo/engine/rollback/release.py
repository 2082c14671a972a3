"""The release of the previous package versions into the pack."""

from __future__ import annotations

import asyncio

from boomi_promo.boomi.models import ReleaseStatus
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.deployment.releases import recognised_release, record_release_settled
from boomi_promo.engine.deployment.rules import RELEASE_REQUESTED
from boomi_promo.engine.locks import one_at_a_time, pack_lock
from boomi_promo.engine.rollback.errors import upstream
from boomi_promo.engine.rollback.history import rollback_release_components
from boomi_promo.engine.rollback.intent import RollbackIntent


async def release_previous(ctx: ActionContext, intent: RollbackIntent) -> tuple[str, str]:
    """Release the pack with the previous versions; (request id, status after the bounded wait)."""
    await ctx.progress.report(step="release", message=f"Releasing {intent.pack_name}")
    previous = dict(intent.previous_versions)
    # Puts back what is missing; the pack's other components stay in it (a deployment into
    # the same pack waits meanwhile).
    async with one_at_a_time(ctx.uow_factory, pack_lock(intent.pack_id)):
        pack = (
            await ctx.boomi.add_to_integration_pack(intent.pack_id, list(previous))
            if previous
            else await ctx.boomi.get_publisher_integration_pack(intent.pack_id)
        )
        started = await ctx.boomi.release_integration_pack(
            intent.pack_id, rollback_release_components(pack, previous)
        )
    request_id = started.request_id or ""  # empty: recognised by its effect
    async with ctx.unit_of_work() as uow:
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action=RELEASE_REQUESTED,
            process_name=ctx.process_name,
            target_type="promotion",
            target_id=intent.previous_promotion_id,
            detail={
                "releaseId": request_id,
                "releaseType": intent.environment.value,
                "integrationPackId": intent.pack_id,
                "integrationPackName": intent.pack_name,
                "packageVersion": intent.previous_version,
                "components": [
                    {"componentId": component_id, "packageVersion": version}
                    for component_id, version in previous.items()
                ],
                "rollbackOf": intent.current_promotion_id,
            },
        )
        await uow.commit()
    # A release recognised by its effect (its answer was lost) has finished: nothing to poll.
    status = recognised_release()
    if started.request_id is not None:
        for attempt in range(ctx.settings.boomi.release_status_polls):
            if attempt:
                await asyncio.sleep(ctx.settings.boomi.poll_interval_seconds)
            status = await ctx.boomi.get_release_status(request_id)
            if status.finished:
                async with ctx.unit_of_work() as uow:
                    await record_release_settled(
                        uow, intent.previous_promotion_id, status, actor=ctx.principal.email
                    )
                    await uow.commit()
                break
    if status.release_status == ReleaseStatus.ERROR:
        why = f": {status.message}" if status.message else ""
        raise upstream(
            f"Boomi reported the rollback release of Integration Pack '{intent.pack_name}' "
            f"(request {request_id}) as ERROR{why}. The environment still runs package version "
            f"{intent.current_version}.",
            "RELEASE_FAILED",
        )
    return request_id, status.release_status
