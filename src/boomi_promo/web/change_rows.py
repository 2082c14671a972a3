"""My Promotions, one row per change: a test deployment and the production step made from it.

A change reaches production as two records: the TEST promotion and a PRODUCTION promotion
made from it (a hotfix is a PRODUCTION record alone). Listed one by one they looked like two
changes, and a resubmission after a rejection like a duplicate; here the newest production
step joins its test step's row, and the older ones are named in it as earlier attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from boomi_promo.actions.status import PromotionItem
from boomi_promo.identity.principal import Principal
from boomi_promo.web.workflow import PromotionChoices


@dataclass(frozen=True)
class ChangeRow:
    test: PromotionChoices | None
    """The TEST step (``None`` for a hotfix, or when its test record is not listed)."""
    production: PromotionChoices | None
    """The newest PRODUCTION step (``None`` until the change is promoted to production)."""
    earlier: list[PromotionItem] = field(default_factory=list)
    """Older production steps of the same test deployment (rejected, withdrawn), newest first."""

    @property
    def promotion(self) -> PromotionItem:
        """The record that names the change: its test step, else its production step."""
        first = self.test or self.production
        assert first is not None
        return first.promotion

    @property
    def dev_package_version(self) -> str:
        return self.promotion.dev_package_version or (
            self.production.promotion.dev_package_version if self.production else ""
        )

    @property
    def test_package_version(self) -> str:
        return self.test.promotion.test_package_version if self.test else ""

    @property
    def production_package_version(self) -> str:
        return self.production.promotion.production_package_version if self.production else ""


def change_rows(
    promotions: Sequence[PromotionItem], principal: Principal, ready: set[str]
) -> list[ChangeRow]:
    """``promotions`` (newest first) as rows, in the order of each change's newest step."""

    def choices(promotion: PromotionItem) -> PromotionChoices:
        return PromotionChoices(
            promotion, principal, ready_for_production=promotion.promotion_id in ready
        )

    listed = {p.promotion_id for p in promotions if p.target_environment == "TEST"}
    by_id = {p.promotion_id: p for p in promotions}
    productions: dict[str, list[PromotionItem]] = {}
    order: list[str] = []
    for promotion in promotions:
        change = promotion.promotion_id
        if promotion.test_promotion_id in listed:
            change = promotion.test_promotion_id
            productions.setdefault(change, []).append(promotion)
        if change not in order:
            order.append(change)
    rows: list[ChangeRow] = []
    for change in order:
        first = by_id[change]
        if first.target_environment != "TEST":
            rows.append(ChangeRow(test=None, production=choices(first)))
            continue
        steps = productions.get(change, [])
        rows.append(
            ChangeRow(
                test=choices(first),
                production=choices(steps[0]) if steps else None,
                earlier=steps[1:],
            )
        )
    return rows
