"""The secrets a promotion cannot empty, across a tree: found, allowlisted, refused.

:func:`~boomi_promo.domain.secrets.find_blocking_secrets` says, per document, where a
credential stands that stripping cannot take out (script code, a description, a name, inside
a longer text, or only likely a secret). Here those findings are gathered for the components a
promotion writes (connections are never promoted), matched against the admin's allowlist
(:class:`~boomi_promo.store.SecretAllowlistEntry`: component + location), and what remains
becomes the ``SECRETS_DETECTED`` refusal — executePromotion's before anything is written,
planPromotion's and the review's as a finding. The list names component, location and kind;
never the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from boomi_promo.domain.component_xml import ComponentXmlError
from boomi_promo.domain.secrets import ValueKind, find_blocking_secrets
from boomi_promo.engine.errors import SecretsDetected
from boomi_promo.engine.tree import TreeComponent
from boomi_promo.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class ComponentSecret:
    """A blocking finding in one component of the tree."""

    component_id: str
    component_name: str
    component_type: str
    location: str
    kind: ValueKind
    allowlisted: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "componentId": self.component_id,
            "componentName": self.component_name,
            "componentType": self.component_type,
            "location": self.location,
            "kind": self.kind.value,
            "description": self.kind.label,
            "allowlisted": self.allowlisted,
        }


def component_secrets(component: TreeComponent, xml: bytes) -> list[ComponentSecret]:
    """The blocking findings of one document; none for a connection (never promoted) or a
    document that cannot be read safely (the promotion fails on it where it writes it)."""
    if component.is_connection:
        return []
    try:
        findings = find_blocking_secrets(xml)
    except ComponentXmlError:
        return []
    return [
        ComponentSecret(
            component_id=component.component_id,
            component_name=component.name,
            component_type=component.type,
            location=finding.location,
            kind=finding.kind,
        )
        for finding in findings
    ]


async def mark_allowlisted(
    uow: UnitOfWork, findings: Iterable[ComponentSecret]
) -> list[ComponentSecret]:
    """``findings`` with those an admin accepted marked ``allowlisted``."""
    found = list(findings)
    if not found:
        return []
    entries = await uow.secret_allowlist.for_components({f.component_id for f in found})
    return [
        replace(finding, allowlisted=True)
        if (finding.component_id, finding.location) in entries
        else finding
        for finding in found
    ]


def blocking(findings: Iterable[ComponentSecret]) -> list[ComponentSecret]:
    return [finding for finding in findings if not finding.allowlisted]


def secrets_refusal(findings: list[ComponentSecret]) -> SecretsDetected:
    """The refusal of a tree with blocking findings (every one listed, never a value)."""
    components = sorted({f.component_name for f in findings})
    return SecretsDetected(
        f"{len(findings)} secret(s) in {len(components)} component(s) cannot be stripped: "
        f"{', '.join(components)}. Remove them in the dev account (use a connection, an "
        "extension or a process property instead) or, for a false positive, ask an admin to "
        "allowlist the finding.",
        details={"secretFindings": [f.to_json() for f in findings]},
    )
