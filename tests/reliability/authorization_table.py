"""Who may call what: the expected authorization decision of every action, as one table.

Each :class:`Rule` covers one action (or one shape of it: a ``manageMappings`` operation, a
``packageAndDeploy`` mode) and states, for an ADMIN and a CONTRIBUTOR caller, the decision for
each *target* — what the body names, relative to the caller: their own team's dev account or
another team's, their own promotion, a teammate's or another team's, a client account their
groups are granted or not, an extension component of their team's or not. READONLY callers and
callers without a valid token are refused the same way by every action whatever the target
(:data:`READONLY_DECISION`, :data:`UNAUTHENTICATED_DECISION`), so the generated cases try them
on every target too.

The decisions come from SPEC §2 (tiers), §4 (callers per action), §6 (segregation of duties:
``SELF_REVIEW_NOT_ALLOWED``, ``SELF_APPROVAL_NOT_ALLOWED``; withdrawal by the initiator only)
and §7 (client accounts by SSO group, extension access by ExtensionAccessMapping); where SPEC is
silent, from the action code. ``probe`` says what an allowed call proves when it cannot run to
its end cheaply: a body that is valid for the checks and fails a later step (documented per rule).

Every rule whose request profile carries a field naming the caller also gets an *impersonation*
rule (:func:`impersonation_rules`): that field naming someone else is 403 ``IDENTITY_MISMATCH``
for any tier that may call the action (SPEC §4, "Identity comes from the verified principal").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from boomi_promo.actions.catalog import all_actions


class Caller(StrEnum):
    ADMIN = "ADMIN"
    CONTRIBUTOR = "CONTRIBUTOR"
    READONLY = "READONLY"
    NO_TOKEN = "no token"
    INVALID_TOKEN = "invalid token"


class Target(StrEnum):
    """What the body names, relative to the caller."""

    NOTHING = "no account or promotion"
    OWN_TEAM_ACCOUNT = "own team's dev account"
    OTHER_TEAM_ACCOUNT = "other team's dev account"
    OWN_PROMOTION = "own promotion"
    TEAMMATE_PROMOTION = "teammate's promotion"
    """Someone else's, in a dev account the caller's team is granted (for an admin: alice's)."""
    OTHER_TEAM_PROMOTION = "other team's promotion"
    SUBMITTED_BY_CALLER = "teammate's promotion the caller submitted for review"
    PEER_REVIEWED_BY_CALLER = "teammate's promotion the caller peer-reviewed"
    FROM_CALLERS_TEST = "production promotion of the caller's test deployment"
    """Initiated and submitted by a teammate; its test promotion was the caller's."""
    GRANTED_CLIENT_ACCOUNT = "granted client account"
    OWN_TEAM_COMPONENT = "granted client account, own team's component"
    OTHER_TEAM_COMPONENT = "granted client account, other team's component"
    CONNECTION_COMPONENT = "granted client account, a connection"
    NOT_GRANTED_CLIENT_ACCOUNT = "client account not granted"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    status: int = 200
    """For a refusal: 401, 403, or 404 for a promotion the caller may not see."""
    error_code: str = ""
    audits_refusal: bool = False
    """The refusal leaves exactly one audit entry of the attempt (and changes nothing else)."""

    def describe(self) -> str:
        if self.allowed:
            return "allowed"
        return f"{self.status} {self.error_code}"


ALLOW = Decision(allowed=True)


def deny(error_code: str, *, audits_refusal: bool = False) -> Decision:
    return Decision(allowed=False, status=403, error_code=error_code, audits_refusal=audits_refusal)


INSUFFICIENT_TIER = deny("INSUFFICIENT_TIER")
UNAUTHORIZED_ACCOUNT_ACCESS = deny("UNAUTHORIZED_ACCOUNT_ACCESS")
UNAUTHORIZED_CLIENT_ACCOUNT = deny("UNAUTHORIZED_CLIENT_ACCOUNT")
SELF_REVIEW_NOT_ALLOWED = deny("SELF_REVIEW_NOT_ALLOWED")
SELF_APPROVAL_NOT_ALLOWED = deny("SELF_APPROVAL_NOT_ALLOWED")
NOT_PROMOTION_INITIATOR = deny("NOT_PROMOTION_INITIATOR")
IDENTITY_MISMATCH = deny("IDENTITY_MISMATCH")
NOT_VISIBLE = Decision(allowed=False, status=404, error_code="PROMOTION_NOT_FOUND")
"""Issue 14: a promotion the caller may not see is answered as one that does not exist, before
any other check, so no answer tells another team it exists, its status or its initiator."""

READONLY_DECISION = INSUFFICIENT_TIER
"""SPEC §2: READONLY / OPERATOR / none may do nothing in this product."""
UNAUTHENTICATED_DECISION = Decision(allowed=False, status=401, error_code="UNAUTHENTICATED")
"""SPEC §4: 401 for no or bad credentials, before anything else."""


@dataclass(frozen=True)
class Rule:
    action: str
    admin: Mapping[Target, Decision]
    contributor: Mapping[Target, Decision]
    why: str
    variant: str = ""
    """One shape of the action (an operation, a mode); empty when the action has one."""
    status: str = ""
    """The status of the promotion the body names (promotion targets)."""
    probe: str = ""
    """What an allowed call is checked by, when it is not a plain success."""
    impersonates: str = ""
    """Set on impersonation rules: the body field that names someone other than the caller."""
    extra: Mapping[str, object] = field(default_factory=dict)
    """Body fields of this shape, on top of those the target gives."""

    def __post_init__(self) -> None:
        # Another team's promotion is invisible to a contributor unless it waits for peer
        # review (E2 offers those to every contributor).
        if self.status and self.status != "PENDING_PEER_REVIEW" and not _admin_only(self.action):
            hidden = dict(self.contributor)
            if Target.OTHER_TEAM_PROMOTION in hidden and hidden[Target.OTHER_TEAM_PROMOTION] != (
                NOT_VISIBLE
            ):
                hidden[Target.OTHER_TEAM_PROMOTION] = NOT_VISIBLE
                object.__setattr__(self, "contributor", hidden)

    @property
    def targets(self) -> tuple[Target, ...]:
        return tuple(self.contributor)

    @property
    def title(self) -> str:
        shape = f" [{self.variant}]" if self.variant else ""
        return f"{self.action}{shape}"

    def decision(self, caller: Caller, target: Target) -> Decision:
        if caller in (Caller.NO_TOKEN, Caller.INVALID_TOKEN):
            return UNAUTHENTICATED_DECISION
        if caller is Caller.READONLY:
            return READONLY_DECISION
        table = self.admin if caller is Caller.ADMIN else self.contributor
        return table[target]


def _admin_only(action: str) -> bool:
    """Refused by tier before anything is read: a tier refusal tells nothing about a promotion."""
    return any(s.name == action and s.min_tier.value == "ADMIN" for s in all_actions())


def _same(decision: Decision, *targets: Target) -> dict[Target, Decision]:
    return dict.fromkeys(targets, decision)


NOTHING = (Target.NOTHING,)
ACCOUNTS = (Target.OWN_TEAM_ACCOUNT, Target.OTHER_TEAM_ACCOUNT)
PROMOTIONS = (Target.OWN_PROMOTION, Target.TEAMMATE_PROMOTION, Target.OTHER_TEAM_PROMOTION)
REVIEWED_PROMOTIONS = (
    *PROMOTIONS,
    Target.SUBMITTED_BY_CALLER,
    Target.PEER_REVIEWED_BY_CALLER,
    Target.FROM_CALLERS_TEST,
)
CLIENT_ACCOUNTS = (Target.GRANTED_CLIENT_ACCOUNT, Target.NOT_GRANTED_CLIENT_ACCOUNT)

ACCOUNT_SCOPED = {
    Target.OWN_TEAM_ACCOUNT: ALLOW,
    Target.OTHER_TEAM_ACCOUNT: UNAUTHORIZED_ACCOUNT_ACCESS,
}
PROMOTION_ACCOUNT_SCOPED = {
    Target.OWN_PROMOTION: ALLOW,
    Target.TEAMMATE_PROMOTION: ALLOW,
    Target.OTHER_TEAM_PROMOTION: NOT_VISIBLE,
}
CLIENT_ACCOUNT_SCOPED = {
    Target.GRANTED_CLIENT_ACCOUNT: ALLOW,
    Target.NOT_GRANTED_CLIENT_ACCOUNT: UNAUTHORIZED_CLIENT_ACCOUNT,
}
APPROVAL_SEGREGATED = {
    Target.OWN_PROMOTION: SELF_APPROVAL_NOT_ALLOWED,
    Target.TEAMMATE_PROMOTION: ALLOW,
    Target.OTHER_TEAM_PROMOTION: ALLOW,
    Target.SUBMITTED_BY_CALLER: SELF_APPROVAL_NOT_ALLOWED,
    Target.PEER_REVIEWED_BY_CALLER: SELF_APPROVAL_NOT_ALLOWED,
    Target.FROM_CALLERS_TEST: SELF_APPROVAL_NOT_ALLOWED,
}
PEER_REVIEW_SEGREGATED = {
    Target.OWN_PROMOTION: SELF_REVIEW_NOT_ALLOWED,
    Target.TEAMMATE_PROMOTION: ALLOW,
    Target.OTHER_TEAM_PROMOTION: ALLOW,
    Target.SUBMITTED_BY_CALLER: SELF_REVIEW_NOT_ALLOWED,
    Target.FROM_CALLERS_TEST: SELF_REVIEW_NOT_ALLOWED,
}
INITIATOR_ONLY = {
    Target.OWN_PROMOTION: ALLOW,
    Target.TEAMMATE_PROMOTION: NOT_PROMOTION_INITIATOR,
    Target.OTHER_TEAM_PROMOTION: NOT_PROMOTION_INITIATOR,
    Target.SUBMITTED_BY_CALLER: NOT_PROMOTION_INITIATOR,
}

RULES: tuple[Rule, ...] = (
    Rule(
        "getDevAccounts",
        admin=_same(ALLOW, *NOTHING),
        contributor=_same(ALLOW, *NOTHING),
        why="§4 A0 CONTRIBUTOR+",
    ),
    Rule(
        "listDevPackages",
        admin=_same(ALLOW, *ACCOUNTS),
        contributor=ACCOUNT_SCOPED,
        why="§4 A CONTRIBUTOR+, account granted (admins: all active)",
    ),
    Rule(
        "resolveDependencies",
        admin=_same(ALLOW, *ACCOUNTS),
        contributor=ACCOUNT_SCOPED,
        why="§4 B CONTRIBUTOR+, account granted",
    ),
    Rule(
        "executePromotion",
        admin=_same(ALLOW, *ACCOUNTS),
        contributor=ACCOUNT_SCOPED,
        why="§5.1 CONTRIBUTOR+ and the dev account granted",
        probe="a real package with a rootComponentId that is not its component: 400 after "
        "the checks, nothing promoted",
        extra={"rootComponentId": "not-the-package-root"},
    ),
    Rule(
        "planPromotion",
        admin=_same(ALLOW, *ACCOUNTS),
        contributor=ACCOUNT_SCOPED,
        why="C2 (issue 9) CONTRIBUTOR+ and the dev account granted, as executePromotion",
    ),
    Rule(
        "packageAndDeploy",
        variant="mode 1, Dev → Test",
        status="COMPLETED",
        admin=_same(ALLOW, *PROMOTIONS),
        contributor=PROMOTION_ACCOUNT_SCOPED,
        why="§2/§6 contributors deploy to Test from the dev accounts their team is granted",
        probe="a COMPLETED record naming no promoted root: the mode starts (TEST_DEPLOYING) and "
        "ends TEST_DEPLOY_FAILED with nothing to package",
    ),
    Rule(
        "packageAndDeploy",
        variant="mode 4, pack assignment",
        status="PENDING_PACK_ASSIGNMENT",
        admin=_same(ALLOW, *PROMOTIONS),
        contributor=_same(INSUFFICIENT_TIER, *PROMOTIONS),
        why="§6 pack assignment is D mode 4 (ADMIN)",
        probe="no pack chosen: 400 INVALID_REQUEST after the checks",
    ),
    Rule(
        "packageAndDeploy",
        variant="mode 2, production retry",
        status="DEPLOY_FAILED",
        admin=APPROVAL_SEGREGATED,
        contributor=_same(INSUFFICIENT_TIER, *REVIEWED_PROMOTIONS),
        why="§6 production deployment is the approving admin's, never a participant's",
        probe="no production pack chosen: 400 INVALID_REQUEST after the checks",
    ),
    Rule(
        "abandonDeployment",
        status="DEPLOY_FAILED",
        admin=_same(ALLOW, *PROMOTIONS),
        contributor=_same(INSUFFICIENT_TIER, *PROMOTIONS),
        why="README workflow: an admin (any admin: it ships nothing) abandons a failed "
        "production deployment",
        probe="a record with no branch and no merge: 200 DEPLOY_ABANDONED",
        extra={"reason": "the conflict will not be resolved"},
    ),
    Rule(
        "submitAdminReview",
        status="PENDING_ADMIN_REVIEW",
        admin=APPROVAL_SEGREGATED,
        contributor=_same(INSUFFICIENT_TIER, *REVIEWED_PROMOTIONS),
        why="§4 S ADMIN, not the initiator; §6 never the initiator (of it or of its test "
        "promotion), the submitter or the peer reviewer",
        probe="REJECTED: 200 ADMIN_REJECTED",
        extra={"decision": "REJECTED"},
    ),
    Rule(
        "generateComponentDiff",
        status="COMPLETED",
        admin=_same(ALLOW, *PROMOTIONS),
        contributor=PROMOTION_ACCOUNT_SCOPED,
        why="SPEC silent (G CONTRIBUTOR+); code: admins any promotion, contributors those of "
        "granted dev accounts",
        probe="a real promotion's component: 200; a record without a branch: 409 "
        "BRANCH_NOT_AVAILABLE after the checks",
    ),
    Rule(
        "listReleases",
        admin=_same(ALLOW, *NOTHING),
        contributor=_same(ALLOW, *NOTHING),
        why="issue 18: what runs in Test and Production (scoped like queryStatus)",
    ),
    Rule(
        "getPromotionHistory",
        status="COMPLETED",
        admin=_same(ALLOW, *PROMOTIONS),
        contributor=PROMOTION_ACCOUNT_SCOPED,
        why="issue 18: a promotion's audit timeline, visible as the promotion is",
    ),
    Rule(
        "listClientAccounts",
        admin=_same(ALLOW, *NOTHING),
        contributor=_same(ALLOW, *NOTHING),
        why="§4 K CONTRIBUTOR+ (the answer is scoped by SSO group)",
    ),
    Rule(
        "getExtensions",
        admin=_same(ALLOW, *CLIENT_ACCOUNTS),
        contributor=CLIENT_ACCOUNT_SCOPED,
        why="§7 client accounts are granted by SSO groups (ClientAccountConfig); admins: all",
    ),
    Rule(
        "rebuildExtensionAccess",
        admin=_same(ALLOW, *NOTHING),
        contributor=_same(INSUFFICIENT_TIER, *NOTHING),
        why="§7 an admin can rebuild ExtensionAccessMapping",
    ),
    Rule(
        "rollbackRelease",
        admin=_same(ALLOW, *NOTHING),
        contributor=_same(INSUFFICIENT_TIER, *NOTHING),
        why="issue 9: only an admin rolls a release back",
        probe="409 NO_PREVIOUS_RELEASE: nothing was released before",
        extra={"processName": "Customer Sync", "environment": "PRODUCTION", "dryRun": True},
    ),
    Rule(
        "getMapExtension",
        admin=_same(ALLOW, *CLIENT_ACCOUNTS),
        contributor=CLIENT_ACCOUNT_SCOPED,
        why="§7 reads need the client account granted; who may edit is answered, not refused",
        probe="admin on another client account's environment: 404 MAP_EXTENSION_NOT_FOUND",
    ),
    Rule(
        "updateExtensions",
        admin=_same(
            ALLOW,
            Target.OWN_TEAM_COMPONENT,
            Target.OTHER_TEAM_COMPONENT,
            Target.CONNECTION_COMPONENT,
            Target.NOT_GRANTED_CLIENT_ACCOUNT,
        ),
        contributor={
            Target.OWN_TEAM_COMPONENT: ALLOW,
            Target.OTHER_TEAM_COMPONENT: deny("UNAUTHORIZED_EXTENSION_EDIT", audits_refusal=True),
            Target.CONNECTION_COMPONENT: deny("CONNECTION_EDIT_ADMIN_ONLY", audits_refusal=True),
            Target.NOT_GRANTED_CLIENT_ACCOUNT: UNAUTHORIZED_CLIENT_ACCOUNT,
        },
        why="§7 M: each component access-checked (ExtensionAccessMapping), connections "
        "admin-only, nothing written on any refusal",
        probe="admin on another client account's environment: 404 EXTENSION_NOT_FOUND",
    ),
    Rule(
        "copyExtensionsTestToProd",
        admin=_same(ALLOW, *CLIENT_ACCOUNTS),
        contributor=CLIENT_ACCOUNT_SCOPED,
        why="§7 N CONTRIBUTOR+ on a granted client account (components filtered by access)",
    ),
    Rule(
        "updateMapExtension",
        admin=_same(
            ALLOW,
            Target.OWN_TEAM_COMPONENT,
            Target.OTHER_TEAM_COMPONENT,
            Target.NOT_GRANTED_CLIENT_ACCOUNT,
        ),
        contributor={
            Target.OWN_TEAM_COMPONENT: ALLOW,
            Target.OTHER_TEAM_COMPONENT: deny("UNAUTHORIZED_EXTENSION_EDIT"),
            Target.NOT_GRANTED_CLIENT_ACCOUNT: UNAUTHORIZED_CLIENT_ACCOUNT,
        },
        why="§4 O ADMIN, or a CONTRIBUTOR authorised for the map's process",
        probe="preview=true: the change set answered, nothing written; admin on another client "
        "account's environment: 404",
        extra={"preview": True, "mapExtensionPayload": {}},
    ),
    Rule(
        "manageMappings",
        variant="query",
        admin=_same(ALLOW, *ACCOUNTS),
        contributor=ACCOUNT_SCOPED,
        why="§4 F query CONTRIBUTOR+ (scoped to granted dev accounts)",
        extra={"action": "query"},
    ),
    *(
        Rule(
            "manageMappings",
            variant=operation,
            admin=_same(ALLOW, *ACCOUNTS),
            contributor=_same(INSUFFICIENT_TIER, *ACCOUNTS),
            why="§4 F update/delete: ADMIN (seeding connection mappings too)",
            probe=probe,
            extra={"action": operation},
        )
        for operation, probe in (
            ("update", "a prod component that does not exist: 404 PROD_COMPONENT_NOT_FOUND"),
            ("delete", "a mapping that does not exist: 404 MAPPING_NOT_FOUND"),
            ("seedConnection", "a prod connection that does not exist: 404"),
        )
    ),
    *(
        Rule(
            action,
            variant=str(extra.get("action", "")),
            admin=_same(ALLOW, *NOTHING),
            contributor=_same(INSUFFICIENT_TIER, *NOTHING),
            why="issue 18: setting up accounts, the lookups it picks from, and the "
            "notification deliveries are ADMIN work",
            probe=probe,
            extra=extra,
        )
        for action, extra, probe in (
            ("manageDevAccountAccess", {"action": "query"}, ""),
            (
                "manageDevAccountAccess",
                {"action": "grant", "ssoGroupId": "NOT_A_TEAM_GROUP", "devAccountId": "x-1"},
                "a group without the team prefix: 400 INVALID_REQUEST",
            ),
            (
                "manageDevAccountAccess",
                {
                    "action": "revoke",
                    "ssoGroupId": "ABC_BOOMI_FLOW_DEVTEAMZ",
                    "devAccountId": "x-1",
                },
                "a grant that does not exist: 404 ACCESS_NOT_FOUND",
            ),
            ("manageClientAccounts", {"action": "query"}, ""),
            (
                "manageClientAccounts",
                {"action": "save", "clientAccountId": "x-1", "ssoGroupId": "G"},
                "no environments named: 400 INVALID_REQUEST",
            ),
            (
                "manageClientAccounts",
                {"action": "deactivate", "clientAccountId": "x-1", "ssoGroupId": "G"},
                "a set-up that does not exist: 404 CLIENT_ACCOUNT_NOT_FOUND",
            ),
            ("findBoomiAccounts", {}, ""),
            (
                "findBoomiEnvironments",
                {"accountId": "x-1"},
                "an account that is not a sub-account: 404 ACCOUNT_NOT_FOUND",
            ),
            ("findPrimaryComponents", {"nameContains": "orders"}, ""),
            ("listNotificationDeliveries", {}, ""),
            ("sendTestNotification", {}, "no channel configured: 200, nothing sent"),
        )
    ),
    Rule(
        "manageSecretAllowlist",
        variant="query",
        admin=_same(ALLOW, *NOTHING),
        contributor=_same(INSUFFICIENT_TIER, *NOTHING),
        why="issue 14: accepting a secret finding as a false positive is ADMIN work",
        extra={"action": "query"},
    ),
    *(
        Rule(
            "manageSecretAllowlist",
            variant=operation,
            admin=_same(ALLOW, *ACCOUNTS),
            contributor=_same(INSUFFICIENT_TIER, *ACCOUNTS),
            why="issue 14: accepting a secret finding as a false positive is ADMIN work",
            probe=probe,
            extra={
                "action": operation,
                "componentId": "no-such-component-0000",
                "location": "/process/script line 1",
                "reason": "A fixture value, not a credential.",
            },
        )
        for operation, probe in (
            ("add", "a component that does not exist: 404 COMPONENT_NOT_FOUND"),
            ("remove", "an entry that does not exist: 404 ALLOWLIST_ENTRY_NOT_FOUND"),
        )
    ),
    Rule(
        "listIntegrationPacks",
        admin=_same(ALLOW, *NOTHING),
        contributor=_same(INSUFFICIENT_TIER, *NOTHING),
        why="§4 J ADMIN",
    ),
    Rule(
        "checkReleaseStatus",
        status="COMPLETED",
        admin=_same(ALLOW, *PROMOTIONS),
        contributor=PROMOTION_ACCOUNT_SCOPED,
        why="SPEC silent (P CONTRIBUTOR+); a contributor reads only the promotions of granted "
        "dev accounts, as queryStatus and generateComponentDiff answer them",
    ),
    Rule(
        "queryStatus",
        admin=_same(ALLOW, *ACCOUNTS),
        contributor=ACCOUNT_SCOPED,
        why="§4 E CONTRIBUTOR+; contributors see the promotions of granted dev accounts",
    ),
    Rule(
        "queryTestDeployments",
        admin=_same(ALLOW, *ACCOUNTS),
        contributor=ACCOUNT_SCOPED,
        why="§4 E4 CONTRIBUTOR+; scoped like queryStatus",
    ),
    Rule(
        "submitForPeerReview",
        variant="production from test",
        status="TEST_DEPLOYED",
        admin=_same(ALLOW, *PROMOTIONS),
        contributor=PROMOTION_ACCOUNT_SCOPED,
        why="§4 R CONTRIBUTOR+, account granted",
        probe="a TEST_DEPLOYED record without a test package: 409 after the checks",
    ),
    Rule(
        "submitForPeerReview",
        variant="hotfix",
        status="COMPLETED",
        admin=_same(ALLOW, *PROMOTIONS),
        contributor=PROMOTION_ACCOUNT_SCOPED,
        why="§4 R CONTRIBUTOR+, account granted",
        probe="200 PENDING_PEER_REVIEW (the record's branch is kept for review)",
        extra={"isHotfix": True, "hotfixJustification": "Orders are lost at the month end"},
    ),
    Rule(
        "queryPeerReviewQueue",
        admin=_same(ALLOW, *NOTHING),
        contributor=_same(ALLOW, *NOTHING),
        why="§4 E2 CONTRIBUTOR+",
    ),
    Rule(
        "submitPeerReview",
        status="PENDING_PEER_REVIEW",
        admin=PEER_REVIEW_SEGREGATED,
        contributor=PEER_REVIEW_SEGREGATED,
        why="§4 E3 CONTRIBUTOR+ (no team rule); §6 never the initiator (of it or of the test "
        "deployment it ships) nor the submitter",
        probe="APPROVED: 200 PENDING_ADMIN_REVIEW",
        extra={"decision": "APPROVED"},
    ),
    Rule(
        "withdrawPromotion",
        status="PENDING_PEER_REVIEW",
        admin=INITIATOR_ONLY,
        contributor=INITIATOR_ONLY,
        why="§4 E5 initiator only (admins included)",
        probe="200 WITHDRAWN",
    ),
    Rule(
        "cancelTestDeployment",
        status="TEST_DEPLOYED",
        admin=_same(ALLOW, *PROMOTIONS),
        contributor={
            Target.OWN_PROMOTION: ALLOW,
            Target.TEAMMATE_PROMOTION: NOT_PROMOTION_INITIATOR,
            Target.OTHER_TEAM_PROMOTION: NOT_PROMOTION_INITIATOR,
        },
        why="§4 E4 initiator or ADMIN",
        probe="200 TEST_CANCELLED",
    ),
    Rule(
        "validateScript",
        admin=_same(ALLOW, *NOTHING),
        contributor=_same(ALLOW, *NOTHING),
        why="§4 Q CONTRIBUTOR+",
    ),
)

# Body fields that name the caller (SPEC §4), with a value naming somebody else.
IMPERSONATING_VALUES: dict[str, object] = {
    "userSsoGroups": ["ABC_BOOMI_FLOW_ADMIN"],
    "requesterEmail": "mallory@example.com",
    "reviewerEmail": "mallory@example.com",
    "reviewerName": "Mallory Moss",
    "initiatorEmail": "mallory@example.com",
    "userEmail": "mallory@example.com",
    "promotionMetadata": {"requestedBy": "mallory@example.com"},
}


def _identity_field(action: str) -> str:
    """The first body field of ``action``'s profile that names the caller, or ``""``."""
    spec = next(s for s in all_actions() if s.name == action)
    aliases = {f.alias or name for name, f in spec.request_model.model_fields.items()}
    return next((name for name in IMPERSONATING_VALUES if name in aliases), "")


def impersonation_rules() -> tuple[Rule, ...]:
    """For each action with a caller-naming field: that field naming someone else, on the first
    target of the action's first rule, is refused for every tier that may call the action."""
    rules: list[Rule] = []
    for rule in RULES:
        identity_field = _identity_field(rule.action)
        if not identity_field or any(r.action == rule.action for r in rules):
            continue
        target = rule.targets[0]
        callers = {
            Caller.ADMIN: rule.admin[target],
            Caller.CONTRIBUTOR: rule.contributor[target],
        }
        # A tier refused by the action's own rule is refused for that reason first.
        expected = {
            caller: decision if decision == INSUFFICIENT_TIER else IDENTITY_MISMATCH
            for caller, decision in callers.items()
        }
        rules.append(
            Rule(
                rule.action,
                variant=f"{identity_field} names someone else",
                status=rule.status,
                admin={target: expected[Caller.ADMIN]},
                contributor={target: expected[Caller.CONTRIBUTOR]},
                why="§4 body fields naming the caller must equal the principal",
                impersonates=identity_field,
                extra=rule.extra,
            )
        )
    return tuple(rules)


ALL_RULES: tuple[Rule, ...] = RULES + impersonation_rules()


def missing_actions() -> list[str]:
    """Registered actions the table says nothing about."""
    covered = {rule.action for rule in RULES}
    return sorted(spec.name for spec in all_actions() if spec.name not in covered)


# ------------------------------------------------------------------ dashboard pages


class Page(StrEnum):
    """Representative dashboard pages, one or two per lane (web/lanes.py)."""

    PACKAGES = "/packages"
    MY_PROMOTIONS = "/promotions"
    EXTENSIONS = "/extensions"
    PEER_REVIEW_QUEUE = "/reviews"
    ADMIN_APPROVALS = "/admin/approvals"
    ADMIN_MAPPINGS = "/admin/mappings"
    ADMIN_ACCOUNTS = "/admin/accounts"
    ADMIN_CLIENT_ACCOUNTS = "/admin/client-accounts"
    OWN_RELEASES = "/promotions/{own}/release"
    OTHER_TEAM_RELEASES = "/promotions/{other_team}/release"


class Visitor(StrEnum):
    ADMIN = "ADMIN"
    CONTRIBUTOR = "CONTRIBUTOR"
    READONLY = "READONLY"
    SIGNED_OUT = "signed out"


SIGN_IN_REDIRECT = 303
"""A signed-out visitor is sent to /login (and back afterwards)."""

_DEVELOPER_LANE = {
    Visitor.ADMIN: 200,
    Visitor.CONTRIBUTOR: 200,
    Visitor.READONLY: 403,
    Visitor.SIGNED_OUT: SIGN_IN_REDIRECT,
}
_ADMIN_LANE = {**_DEVELOPER_LANE, Visitor.CONTRIBUTOR: 403}

PAGE_RULES: dict[Page, dict[Visitor, int]] = {
    Page.PACKAGES: _DEVELOPER_LANE,
    Page.MY_PROMOTIONS: _DEVELOPER_LANE,
    Page.EXTENSIONS: _DEVELOPER_LANE,
    Page.PEER_REVIEW_QUEUE: _DEVELOPER_LANE,
    Page.ADMIN_APPROVALS: _ADMIN_LANE,
    Page.ADMIN_MAPPINGS: _ADMIN_LANE,
    Page.ADMIN_ACCOUNTS: _ADMIN_LANE,
    Page.ADMIN_CLIENT_ACCOUNTS: _ADMIN_LANE,
    Page.OWN_RELEASES: _DEVELOPER_LANE,
    # The page shows checkReleaseStatus's answer: another team's promotion is not found.
    Page.OTHER_TEAM_RELEASES: {**_DEVELOPER_LANE, Visitor.CONTRIBUTOR: 404},
}
"""The HTTP status each visitor gets for each page (SPEC §2 tiers, web/lanes.py lanes)."""
