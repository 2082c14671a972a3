"""How a long action tells its caller how far it got.

An action reports through ``ctx.progress``; when it runs as a job the reporter stores each
step on the job row (the job document and its event stream read it from there, so progress is
visible from any replica). Called outside a job, the reporter does nothing.
"""

from __future__ import annotations

from typing import Protocol


class ProgressReporter(Protocol):
    async def report(
        self,
        *,
        step: str,
        current: int | None = None,
        total: int | None = None,
        message: str = "",
    ) -> None:
        """Record the step under way, e.g. ``report(step="promote", current=3, total=12)``."""
        ...

    async def link_promotion(self, promotion_id: str) -> None:
        """Tie the job to the promotion it works on, so an interrupted job can be compensated."""
        ...


class NullProgress:
    async def report(
        self,
        *,
        step: str,
        current: int | None = None,
        total: int | None = None,
        message: str = "",
    ) -> None:
        return None

    async def link_promotion(self, promotion_id: str) -> None:
        return None
