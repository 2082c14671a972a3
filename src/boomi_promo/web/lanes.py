"""The dashboard's swimlanes and who may use them.

A lane groups the pages one kind of work needs. The navigation shows only the lanes the
signed-in user's tier may use, and every page of a lane refuses everybody else (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from boomi_promo.identity.principal import Tier


@dataclass(frozen=True)
class LanePage:
    key: str
    """Names the page for the navigation's "you are here" mark."""
    title: str
    path: str


@dataclass(frozen=True)
class Lane:
    key: str
    title: str
    min_tier: Tier
    pages: tuple[LanePage, ...]

    def open_to(self, tier: Tier) -> bool:
        return tier.at_least(self.min_tier)


DEVELOPER = Lane(
    key="developer",
    title="Developer",
    min_tier=Tier.CONTRIBUTOR,
    pages=(
        LanePage("packages", "Package Browser", "/packages"),
        LanePage("my-promotions", "My Promotions", "/promotions"),
        LanePage("all-promotions", "Promotions", "/promotions/all"),
        LanePage("production-readiness", "Production Readiness", "/readiness"),
        LanePage("extensions", "Extensions", "/extensions"),
    ),
)
PEER_REVIEW = Lane(
    key="peer-review",
    title="Peer Review",
    min_tier=Tier.CONTRIBUTOR,
    pages=(LanePage("peer-review-queue", "Peer Review Queue", "/reviews"),),
)
ADMIN = Lane(
    key="admin",
    title="Admin",
    min_tier=Tier.ADMIN,
    pages=(
        LanePage("admin-approvals", "Approvals", "/admin/approvals"),
        LanePage("admin-packs", "Pack Assignment", "/admin/packs"),
        LanePage("admin-releases", "Releases", "/admin/releases"),
        LanePage("admin-accounts", "Dev Account Access", "/admin/accounts"),
        LanePage("admin-client-accounts", "Client Accounts", "/admin/client-accounts"),
        LanePage("admin-mappings", "Mappings", "/admin/mappings"),
        LanePage("admin-metrics", "Delivery Metrics", "/admin/metrics"),
        LanePage("admin-notifications", "Notifications", "/admin/notifications"),
    ),
)
LANES: tuple[Lane, ...] = (DEVELOPER, PEER_REVIEW, ADMIN)


def lanes_for(tier: Tier) -> list[Lane]:
    return [lane for lane in LANES if lane.open_to(tier)]
