"""What the review and deployment pages say about a promotion, and what they offer to do with it.

A promotion's status is shown as a sentence a developer can act on, not a code. The choices a
page offers follow SPEC §6: a COMPLETED promotion may be deployed to Test (unless it already
went the hotfix way) or sent as an emergency hotfix; a TEST_DEPLOYED one may be promoted to
production; one waiting for a review may be withdrawn by its initiator; a failed production
deployment may be abandoned by an admin. The actions check all of this again: a page that
offers too much would only earn a refusal, never a wrong change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from boomi_promo.actions.diff import GenerateComponentDiffResponse, SideBySideRowItem
from boomi_promo.actions.packs import IntegrationPackItem, ListIntegrationPacksResponse, ReleaseItem
from boomi_promo.actions.promotion import PromotionResultItem
from boomi_promo.actions.status import PromotionItem
from boomi_promo.domain.review_rules import (
    MAX_DEPLOYMENT_NOTES_CHARS,
    MAX_HOTFIX_JUSTIFICATION_CHARS,
    MAX_REVIEW_COMMENT_CHARS,
)
from boomi_promo.domain.statuses import ABANDONABLE, WITHDRAWABLE, PromotionStatus
from boomi_promo.domain.xml_diff import LineSegment, diff_words
from boomi_promo.engine.errors import NOTHING_TO_PROMOTE_PREFIX
from boomi_promo.identity.principal import Principal, Tier, same_person
from boomi_promo.web.templating import format_timestamp

_S = PromotionStatus

HOTFIX_JUSTIFICATION_LIMIT = MAX_HOTFIX_JUSTIFICATION_CHARS
REVIEW_COMMENT_LIMIT = MAX_REVIEW_COMMENT_CHARS
DEPLOYMENT_NOTES_LIMIT = MAX_DEPLOYMENT_NOTES_CHARS
DEPLOYABLE_TO_TEST = frozenset({_S.COMPLETED, _S.TEST_DEPLOY_FAILED})
RELEASED = frozenset({_S.TEST_DEPLOYED, _S.DEPLOYED})
"""Statuses whose releases the Active Promotions panel follows until they settle."""
RELEASE_IN_PROGRESS = "IN_PROGRESS"
"""A release the panel keeps polling; SUCCESS and ERROR have settled, SCHEDULED waits for its
date (hours or days: not worth polling for)."""
RELEASE_POLL_SECONDS = 3
DIFF_CONTEXT_LINES = 3
"""Unchanged lines kept around each change; longer unchanged runs are folded."""
_REVIEWED = {"CREATED": "CREATE", "UPDATED": "UPDATE", "UNCHANGED": "UNCHANGED"}


def status_sentence(promotion: PromotionItem, *, ready_for_production: bool = True) -> str:
    """Where the promotion stands, in one sentence.

    ``ready_for_production``: a TEST_DEPLOYED promotion is listed by queryTestDeployments, i.e.
    no production promotion made from it is under way (or already deployed).
    """
    status = promotion.status
    if status == _S.IN_PROGRESS:
        return "Promoting: components are being written to the promotion branch."
    if status == _S.COMPLETED:
        return "Promoted to its branch; ready to deploy to Test or to send as a hotfix."
    if status == _S.FAILED:
        if promotion.error_message.startswith(NOTHING_TO_PROMOTE_PREFIX):
            return promotion.error_message
        return _with_reason("The promotion failed", promotion.error_message)
    if status == _S.TEST_DEPLOYING:
        return "Deploying to Test."
    if status == _S.TEST_DEPLOYED:
        pack = _pack(promotion.test_integration_pack_name or promotion.integration_pack_name)
        if not ready_for_production:
            return f"Deployed to Test{pack}; promoted to production from there."
        return f"Deployed to Test{pack}; ready to promote to production."
    if status == _S.TEST_DEPLOY_FAILED:
        return _with_reason("The test deployment failed", promotion.error_message)
    if status == _S.PENDING_PACK_ASSIGNMENT:
        return (
            "Packaged; waiting for a platform admin to choose a Test integration pack under "
            "Pack Assignment (the process's first test deployment). Nothing to do until then."
        )
    if status == _S.TEST_CANCELLED:
        return "The test deployment was cancelled."
    if status == _S.PENDING_PEER_REVIEW:
        return "Waiting for a peer review by another contributor."
    if status == _S.PEER_REJECTED:
        return _with_reason(
            f"Rejected in peer review by {promotion.peer_reviewed_by or 'a reviewer'}",
            promotion.peer_review_comments,
        )
    if status == _S.PENDING_ADMIN_REVIEW:
        return (
            f"Approved in peer review by {promotion.peer_reviewed_by or 'a reviewer'}; "
            "waiting for an admin's approval."
        )
    if status == _S.ADMIN_APPROVED:
        return f"Approved by {promotion.admin_approved_by or 'an admin'}; the deployment starts."
    if status == _S.ADMIN_REJECTED:
        return _with_reason(
            f"Rejected by {promotion.admin_approved_by or 'an admin'}", promotion.admin_comments
        )
    if status == _S.DEPLOYING:
        return "Deploying to production."
    if status == _S.DEPLOYED:
        return f"Deployed to production{_pack(promotion.integration_pack_name)}."
    if status == _S.DEPLOY_FAILED:
        return _with_reason("The production deployment failed", promotion.error_message)
    if status == _S.DEPLOY_ABANDONED:
        return _with_reason(
            "The production deployment failed and an admin abandoned it (the reason is in its "
            "history); nothing reached production and the process can be promoted again. It had "
            "failed",
            promotion.error_message,
        )
    if status == _S.WITHDRAWN:
        return _with_reason("Withdrawn by its initiator", promotion.withdrawal_reason)
    if status == _S.SUPERSEDED:
        return "Superseded by a newer promotion of the same process."
    return f"Status {status}."


def _pack(name: str) -> str:
    return f" in integration pack {name}" if name else ""


def _with_reason(sentence: str, reason: str) -> str:
    reason = reason.strip().rstrip(".")
    return f"{sentence}: {reason}." if reason else f"{sentence}."


@dataclass(frozen=True)
class PromotionChoices:
    """What the caller may start from a promotion, by its status and who they are."""

    promotion: PromotionItem
    principal: Principal
    ready_for_production: bool = True
    """Whether a TEST_DEPLOYED promotion is still free to be promoted to production."""

    @property
    def is_initiator(self) -> bool:
        return same_person(self.principal.email, self.promotion.initiated_by)

    @property
    def deploy_to_test(self) -> bool:
        """A first deployment, or another try after a failed one."""
        return self.promotion.status in DEPLOYABLE_TO_TEST and not self.promotion.is_hotfix

    @property
    def hotfix(self) -> bool:
        return self.promotion.status == _S.COMPLETED

    @property
    def promote_to_production(self) -> bool:
        return self.promotion.status == _S.TEST_DEPLOYED and self.ready_for_production

    @property
    def withdraw(self) -> bool:
        return self.promotion.status in WITHDRAWABLE and self.is_initiator

    @property
    def cancel_test_deployment(self) -> bool:
        """The initiator or an admin; not while a production promotion made from it is live."""
        allowed = self.is_initiator or self.principal.tier is Tier.ADMIN
        if self.promotion.status == _S.PENDING_PACK_ASSIGNMENT:
            return allowed
        return allowed and self.promote_to_production

    @property
    def abandon_deployment(self) -> bool:
        """An admin may give up a failed production deployment that did not change main (the
        action checks main; the page cannot)."""
        return self.promotion.status in ABANDONABLE and self.principal.tier is Tier.ADMIN

    @property
    def follows_release(self) -> bool:
        return self.promotion.status in RELEASED

    @property
    def next_step(self) -> str:
        """The label of the link to the promotion's page, naming what can be done there."""
        if self.deploy_to_test or self.hotfix:
            return "Deploy or submit"
        if self.promote_to_production:
            return "Promote to production"
        return "Open"

    @property
    def sentence(self) -> str:
        return status_sentence(self.promotion, ready_for_production=self.ready_for_production)

    @property
    def any(self) -> bool:
        return (
            self.deploy_to_test
            or self.hotfix
            or self.promote_to_production
            or self.withdraw
            or self.cancel_test_deployment
            or self.abandon_deployment
        )


@dataclass(frozen=True)
class ReviewedComponent:
    """One component a reviewer may diff: what the promotion wrote on its branch, or left as
    the branch started (UNCHANGED)."""

    prod_component_id: str
    component_name: str
    component_type: str
    component_action: str
    """CREATE, UPDATE or UNCHANGED, as generateComponentDiff takes it."""
    version: int


def reviewed_components(results: Sequence[PromotionResultItem]) -> list[ReviewedComponent]:
    """The components a promotion's branch holds for it: written, or UNCHANGED (skipped and
    failed ones are not there)."""
    return [
        ReviewedComponent(
            prod_component_id=result.prod_component_id,
            component_name=result.component_name,
            component_type=result.component_type,
            component_action=_REVIEWED[result.action],
            version=result.version,
        )
        for result in results
        if result.action in _REVIEWED and result.prod_component_id
    ]


def self_review_sentence(promotion: PromotionItem, principal: Principal) -> str:
    """Why the caller may not peer review this promotion, or ``""`` when they may."""
    if same_person(principal.email, promotion.initiated_by):
        return "You initiated this promotion; another contributor must peer review it."
    if promotion.submitted_for_review_by and same_person(
        principal.email, promotion.submitted_for_review_by
    ):
        return "You submitted this promotion for review; another contributor must peer review it."
    return ""


def self_approval_sentence(promotion: PromotionItem, principal: Principal) -> str:
    """Why the admin may not approve this promotion, or ``""`` when they may."""
    involved = {
        "initiated": promotion.initiated_by,
        "submitted for review": promotion.submitted_for_review_by,
        "peer reviewed": promotion.peer_reviewed_by,
    }
    for what, email in involved.items():
        if email and same_person(principal.email, email):
            return f"You {what} this promotion; another admin must approve it."
    return ""


# ---------------------------------------------------------------------------- diff viewer


@dataclass(frozen=True)
class DiffLine:
    """A row of the side-by-side table: both sides of a line, or a fold of unchanged lines."""

    kind: str
    """same, changed, added, removed — or fold."""
    left: str | None = None
    right: str | None = None
    left_line: int | None = None
    right_line: int | None = None
    folded: int = 0
    left_words: Sequence[LineSegment] = ()
    right_words: Sequence[LineSegment] = ()
    """A changed line cut into runs, the words that differ marked (empty on other rows)."""

    @property
    def is_fold(self) -> bool:
        return self.kind == "fold"


@dataclass(frozen=True)
class DiffView:
    diff: GenerateComponentDiffResponse
    lines: list[DiffLine]

    @property
    def is_create(self) -> bool:
        """Main does not hold the component yet: only the new side is shown."""
        return self.diff.component_action == "CREATE"

    @property
    def kept(self) -> bool:
        """The promotion left the component as its branch started (UNCHANGED)."""
        return self.diff.component_action == "UNCHANGED"

    @property
    def unchanged(self) -> bool:
        summary = self.diff.diff.summary
        return not (summary.added or summary.removed or summary.changed)


def diff_view(diff: GenerateComponentDiffResponse) -> DiffView:
    rows = diff.diff.rows
    if diff.component_action == "CREATE":
        return DiffView(diff, [_line(row) for row in rows])
    return DiffView(diff, fold_unchanged(rows))


def _line(row: SideBySideRowItem) -> DiffLine:
    left_words: Sequence[LineSegment] = ()
    right_words: Sequence[LineSegment] = ()
    if row.kind == "changed" and row.left is not None and row.right is not None:
        left_words, right_words = diff_words(row.left, row.right)
    return DiffLine(
        kind=row.kind,
        left=row.left,
        right=row.right,
        left_line=row.left_line,
        right_line=row.right_line,
        left_words=left_words,
        right_words=right_words,
    )


def fold_unchanged(
    rows: Sequence[SideBySideRowItem], context: int = DIFF_CONTEXT_LINES
) -> list[DiffLine]:
    """The rows with every unchanged run longer than the context around changes folded."""
    changed = [i for i, row in enumerate(rows) if row.kind != "same"]
    keep = [False] * len(rows)
    for index in changed:
        for near in range(max(0, index - context), min(len(rows), index + context + 1)):
            keep[near] = True
    lines: list[DiffLine] = []
    hidden = 0
    for index, row in enumerate(rows):
        if keep[index]:
            if hidden:
                lines.append(DiffLine(kind="fold", folded=hidden))
                hidden = 0
            lines.append(_line(row))
        else:
            hidden += 1
    if hidden:
        lines.append(DiffLine(kind="fold", folded=hidden))
    return lines


# ---------------------------------------------------------------------------- release status


@dataclass(frozen=True)
class ReleaseLine:
    release_type: str
    status: str
    sentence: str


@dataclass(frozen=True)
class ReleaseView:
    promotion_id: str
    items: list[ReleaseLine]
    poll_seconds: int = RELEASE_POLL_SECONDS

    @property
    def in_progress(self) -> bool:
        """Some release has not settled yet: the page asks again in a few seconds."""
        return any(item.status == RELEASE_IN_PROGRESS for item in self.items)


def release_sentence(release: ReleaseItem) -> str:
    where = "Test" if release.release_type.upper() == "TEST" else "Production"
    pack = f" of {release.integration_pack_name}" if release.integration_pack_name else ""
    if release.status == "SUCCESS":
        when = f" ({format_timestamp(release.completion_time)})" if release.completion_time else ""
        return f"{where} release{pack} finished{when}."
    if release.status == "ERROR":
        reason = f": {release.message.rstrip('.')}" if release.message else ""
        return (
            f"{where} release{pack} failed in Boomi{reason}. "
            "Ask a platform admin to release it again."
        )
    if release.status == "NOT_FOUND":
        return f"Boomi has no record of the {where.lower()} release{pack}."
    if release.status == "SCHEDULED":
        return f"{where} release{pack} is scheduled."
    return f"{where} release{pack} is in progress; this updates by itself."


def release_view(promotion_id: str, releases: Sequence[ReleaseItem]) -> ReleaseView:
    return ReleaseView(
        promotion_id,
        [
            ReleaseLine(release.release_type, release.status, release_sentence(release))
            for release in releases
        ],
    )


# ---------------------------------------------------------------------------- pack choice

NEW_PACK = "new"
"""The pack choice that creates a new Integration Pack with the name given next to it."""


@dataclass(frozen=True)
class PackChoices:
    """The packs an admin may choose for one purpose, with the one to preselect."""

    purpose: str
    packs: list[IntegrationPackItem]
    suggested_pack_id: str
    optional: bool = False
    """May be left to the action (a hotfix's test pack: the one from the process's history)."""

    @classmethod
    def of(
        cls, purpose: str, listed: ListIntegrationPacksResponse, *, optional: bool = False
    ) -> PackChoices:
        return cls(purpose, listed.integration_packs, listed.suggested_pack_id, optional)

    def selected(self, chosen: str) -> str:
        """What the choice shows: the admin's earlier choice, the suggestion, else (when the
        choice may be left open) nothing, else a new pack."""
        if chosen:
            return chosen
        if self.suggested_pack_id:
            return self.suggested_pack_id
        return "" if self.optional else NEW_PACK


@dataclass(frozen=True)
class PackForm:
    """The admin's choices as submitted, kept to show the form again after a refusal."""

    pack: str = ""
    new_pack_name: str = ""
    test_pack: str = ""
    new_test_pack_name: str = ""
    comments: str = ""
    hotfix_acknowledged: bool = False

    def pack_fields(self) -> dict[str, object]:
        """The production pack (or, for pack assignment, the test pack) as D and S take it."""
        if self.pack == NEW_PACK:
            return {"createNewPack": True, "newPackName": self.new_pack_name or None}
        return {"integrationPackId": self.pack or None}

    def approval_fields(self) -> dict[str, object]:
        fields: dict[str, object] = {
            **self.pack_fields(),
            "comments": self.comments or None,
            "hotfixAcknowledged": self.hotfix_acknowledged,
        }
        if self.test_pack == NEW_PACK:
            fields["hotfixCreateNewTestPack"] = True
            fields["hotfixNewTestPackName"] = self.new_test_pack_name or None
        elif self.test_pack:
            fields["hotfixTestPackId"] = self.test_pack
        return fields
