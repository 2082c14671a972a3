"""What a deployment is asked for and what it answers: pack choices, options, outcome."""

from __future__ import annotations

from dataclasses import dataclass

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.deployment.rules import DeploymentMode


@dataclass(frozen=True)
class PackChoice:
    """An existing pack by id, or a new pack by name; neither means "not chosen"."""

    pack_id: str | None = None
    new_name: str | None = None
    new_description: str = ""

    @property
    def chosen(self) -> bool:
        return bool(self.pack_id or self.new_name)


@dataclass(frozen=True)
class DeploymentOptions:
    package_version: str | None = None
    """``None``: Boomi numbers the package."""
    notes: str | None = None
    pack: PackChoice = PackChoice()
    """Mode 4: the test pack; modes 2 and 3: the production pack."""
    test_pack: PackChoice = PackChoice()
    """Mode 3 only: the test pack released after production."""


@dataclass
class DeploymentOutcome:
    promotion_id: str
    mode: DeploymentMode
    status: PromotionStatus
    package_id: str = ""
    package_version: str = ""
    integration_pack_id: str = ""
    integration_pack_name: str = ""
    release_id: str = ""
    release_status: str = ""
    test_integration_pack_id: str = ""
    test_integration_pack_name: str = ""
    test_release_id: str = ""
    test_release_status: str = ""
    test_release_error: str = ""
    """Mode 3: why the release to the test pack did not happen (not fatal)."""
    branch_preserved: bool = False
    """Whether the promotion's branch still exists after this run."""
    needs_pack_assignment: bool = False
    auto_detected_pack_id: str = ""

    @property
    def deployment_target(self) -> str:
        to_test = self.mode in (DeploymentMode.TEST, DeploymentMode.PACK_ASSIGNMENT)
        return "TEST" if to_test else "PRODUCTION"


@dataclass(frozen=True)
class ChosenPack:
    pack_id: str
    name: str


@dataclass(frozen=True)
class RequestedRelease:
    request_id: str
    status: str
