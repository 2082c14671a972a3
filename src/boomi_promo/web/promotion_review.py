"""What the Promotion Review page shows of a resolved dependency tree, and what blocks Promote.

Connections are listed apart from the components the promotion writes: they are never
promoted, the shared connection their mapping names is used instead. Promote is offered only
when every connection is mapped, no components reference each other in a circle, every
component can be read and no component carries a secret that stripping cannot take out
(listed by component, location and kind — never the value — before Promote); otherwise the
page says why, in sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

from boomi_promo.actions.dependencies import (
    UPDATE,
    DependencyItem,
    ReferenceCycle,
    ResolveDependenciesResponse,
)
from boomi_promo.actions.packages import PackageItem
from boomi_promo.actions.secret_allowlist import SecretFindingItem


@dataclass(frozen=True)
class TreeRow:
    item: DependencyItem

    @property
    def indent(self) -> int:
        """The depth as a CSS indentation step (capped, so deep trees stay readable)."""
        return min(self.item.depth, 8)

    @property
    def is_update(self) -> bool:
        return self.item.action == UPDATE


@dataclass(frozen=True)
class PromotionReview:
    package: PackageItem
    dev_account_id: str
    tree: ResolveDependenciesResponse
    rows: list[TreeRow]
    """The components the promotion writes, root first, each level after the one above."""
    connections: list[DependencyItem]
    blockers: list[str]
    """Why Promote is not offered; empty when it is."""

    @property
    def can_promote(self) -> bool:
        return not self.blockers

    @property
    def component_ids(self) -> list[str]:
        """The reviewed tree, sent with Promote so a changed tree is refused, not promoted."""
        return [item.component_id for item in self.tree.dependencies]

    @property
    def with_environment_values(self) -> int:
        return sum(1 for row in self.rows if row.item.has_environment_values)

    @property
    def secret_findings(self) -> list[SecretFindingItem]:
        """Secrets that block Promote."""
        return [f for f in self.tree.secret_findings if not f.allowlisted]

    @property
    def allowlisted_findings(self) -> list[SecretFindingItem]:
        """Findings an admin accepted as false positives: shown, not blocking."""
        return [f for f in self.tree.secret_findings if f.allowlisted]


def build_review(
    package: PackageItem, dev_account_id: str, tree: ResolveDependenciesResponse
) -> PromotionReview:
    promoted = [item for item in tree.dependencies if not item.is_connection]
    # A stable sort keeps the walk's order inside each level.
    rows = [TreeRow(item) for item in sorted(promoted, key=lambda item: item.depth)]
    connections = sorted(
        (item for item in tree.dependencies if item.is_connection),
        key=lambda item: item.component_name.casefold(),
    )
    return PromotionReview(
        package=package,
        dev_account_id=dev_account_id,
        tree=tree,
        rows=rows,
        connections=connections,
        blockers=blocking_reasons(tree),
    )


def blocking_reasons(tree: ResolveDependenciesResponse) -> list[str]:
    reasons = []
    unmapped = [connection.name for connection in tree.unmapped_connections]
    if len(unmapped) == 1:
        reasons.append(
            "1 connection has no mapping in the primary account; "
            f"ask a platform admin to map it: {unmapped[0]}."
        )
    elif unmapped:
        reasons.append(
            f"{len(unmapped)} connections have no mapping in the primary account; "
            f"ask a platform admin to map them: {', '.join(unmapped)}."
        )
    reasons.extend(_cycle_sentence(cycle) for cycle in tree.cycles)
    reasons.extend(
        f"{item.component_name} cannot be promoted as it is: {item.error.rstrip('.')}."
        for item in tree.dependencies
        if item.error
    )
    secrets = [f for f in tree.secret_findings if not f.allowlisted]
    if secrets:
        count = "1 secret" if len(secrets) == 1 else f"{len(secrets)} secrets"
        reasons.append(
            f"{count} cannot be stripped (listed below): remove them in the dev account — use "
            "a connection, an extension or a process property instead — or, for a false "
            "positive, ask an admin to allowlist the finding."
        )
    return reasons


def _cycle_sentence(cycle: ReferenceCycle) -> str:
    names = cycle.component_names or cycle.component_ids
    circle = " → ".join([*names, names[0]]) if names else "(unnamed components)"
    return (
        f"Components reference each other in a circle: {circle}; "
        "break the cycle in the dev account, then review again."
    )
