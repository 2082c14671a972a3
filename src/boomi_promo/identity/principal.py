"""The verified caller and the pure rules derived from their groups.

A :class:`Principal` only ever comes out of a token verifier; request bodies may repeat the
caller's identity (the public design's profiles carry it) but never decide it, so
:func:`check_identity_fields` reports the first body field that disagrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from boomi_promo.config import GroupSettings


class Tier(StrEnum):
    ADMIN = "ADMIN"
    CONTRIBUTOR = "CONTRIBUTOR"
    READONLY = "READONLY"

    def at_least(self, minimum: Tier) -> bool:
        """Each tier may do everything the tiers below it may."""
        return _TIER_RANK[self] >= _TIER_RANK[minimum]


_TIER_RANK = {Tier.READONLY: 0, Tier.CONTRIBUTOR: 1, Tier.ADMIN: 2}


def resolve_tier(groups: Iterable[str], group_settings: GroupSettings) -> Tier:
    """ADMIN with the admin group, else CONTRIBUTOR with the contributor group, else READONLY.

    Group names are compared exactly: identity providers hand them out verbatim and a
    case-folded match could grant a tier to a differently named group.
    """
    present = set(groups)
    if group_settings.admin in present:
        return Tier.ADMIN
    if group_settings.contributor in present:
        return Tier.CONTRIBUTOR
    return Tier.READONLY


def team_groups(groups: Iterable[str], settings: GroupSettings) -> list[str]:
    """The caller's team groups (those starting with the team prefix), each once, in given order."""
    prefix = settings.team_prefix
    return list(dict.fromkeys(g for g in groups if prefix and g.startswith(prefix)))


def same_person(email_a: str, email_b: str) -> bool:
    """Whether two e-mail addresses name the same person (case and outer spaces ignored)."""
    return email_a.strip().casefold() == email_b.strip().casefold()


@dataclass(frozen=True)
class Principal:
    email: str
    name: str
    groups: tuple[str, ...]
    tier: Tier

    @classmethod
    def from_groups(
        cls, *, email: str, name: str, groups: Iterable[str], settings: GroupSettings
    ) -> Principal:
        """Build a principal whose tier is resolved from its groups (the only way verifiers do)."""
        group_tuple = tuple(dict.fromkeys(groups))
        return cls(
            email=email.strip(),
            name=name.strip(),
            groups=group_tuple,
            tier=resolve_tier(group_tuple, settings),
        )


# Body fields that name the caller, in the order the specification lists them, with what
# each must equal: the principal's groups, e-mail or display name.
_IDENTITY_FIELDS: tuple[tuple[str, Literal["groups", "email", "name"]], ...] = (
    ("userSsoGroups", "groups"),
    ("requesterEmail", "email"),
    ("reviewerEmail", "email"),
    ("reviewerName", "name"),
    ("initiatorEmail", "email"),
    ("userEmail", "email"),
    ("promotionMetadata.requestedBy", "email"),
)


def check_identity_fields(principal: Principal, body: Mapping[str, Any]) -> str | None:
    """Name of the first body field naming the caller that does not match ``principal``.

    Absent or empty fields are accepted (they are optional); a value of the wrong type never
    matches. E-mails compare case-insensitively, ``reviewerName`` exactly (outer spaces
    ignored), ``userSsoGroups`` as a set against the principal's groups.
    """
    for field, kind in _IDENTITY_FIELDS:
        for value in _lookup(body, field):
            if _is_empty(value):
                continue
            if kind == "groups":
                matches = _same_groups(value, principal.groups)
            elif kind == "email":
                matches = isinstance(value, str) and same_person(value, principal.email)
            else:
                matches = isinstance(value, str) and value.strip() == principal.name.strip()
            if not matches:
                return field
    return None


def _spelling(key: object) -> str:
    """One spelling for every name a request model accepts for a field: ``userEmail``,
    ``user_email`` (and any other letter case or underscores) are the same field."""
    return str(key).replace("_", "").casefold()


def _lookup(body: Mapping[str, Any], dotted_name: str) -> list[Any]:
    """Every value the body gives the dotted field under any of its spellings."""
    values: list[Any] = [body]
    for key in dotted_name.split("."):
        wanted = _spelling(key)
        values = [
            item
            for value in values
            if isinstance(value, Mapping)
            for name, item in value.items()
            if _spelling(name) == wanted
        ]
    return values


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False


def _same_groups(value: Any, groups: tuple[str, ...]) -> bool:
    if not isinstance(value, list | tuple) or not all(isinstance(g, str) for g in value):
        return False
    return set(value) == set(groups)
