"""What the dashboard tells a person when an action refuses or fails: their words, and the next
step.

The JSON API keeps its messages, written for the developers of the tools that call it: they
name request fields (``newPackName``) and quote Boomi (``POST /Component/… answered HTTP 400``).
The dashboard shows :func:`for_people` instead wherever a message would name an API field or
come from Boomi; the original stays available as ``details`` (the problem page puts it in a
"Details" disclosure). A message already written for people passes through unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from boomi_promo.errors import PromoError

ASK_ADMIN = "ask a platform admin"

MESSAGES: dict[str, str] = {
    # Boomi said no, or did not answer.
    "AUTH_FAILED": "The service could not sign in to Boomi: its API token may have expired. "
    f"Nothing was changed; {ASK_ADMIN} to renew it.",
    "API_RATE_LIMIT": "Boomi is busy right now (its rate limit was reached). Nothing more was "
    "changed; wait a minute, then try again.",
    "BOOMI_UNAVAILABLE": "Boomi did not answer in time. Wait a minute, then try again; if it "
    f"keeps happening, {ASK_ADMIN} to check Boomi's status.",
    "BOOMI_BAD_REQUEST": "Boomi refused a change this step asked for. Try again once; if it "
    f"happens again, {ASK_ADMIN} and give them the details below.",
    "BOOMI_BAD_RESPONSE": "Boomi answered something the service could not read. Try again; if it "
    f"happens again, {ASK_ADMIN} and give them the details below.",
    "BOOMI_FORBIDDEN": "Boomi refused: the service's Boomi user lacks a right this step needs. "
    f"{ASK_ADMIN.capitalize()}.",
    "BOOMI_NOT_FOUND": "Boomi no longer has something this step needs; it may have been deleted. "
    f"Reload the page; if it stays, {ASK_ADMIN}.",
    "BRANCH_CREATION_TIMEOUT": "Boomi took too long to prepare the promotion's branch. Nothing "
    "was written; try the promotion again in a few minutes.",
    "MERGE_FAILED": "Boomi could not merge the change into main. Nothing reached production; "
    f"{ASK_ADMIN} to retry the deployment.",
    "MERGE_CONFLICT": "Main changed the same components since this change was made (they are "
    "listed in the details), so Boomi would not merge it. Nothing reached production. A "
    "promotion can simply be promoted again; for a deployment, "
    f"{ASK_ADMIN} to resolve the conflict in Boomi and retry it, or to abandon the failed "
    "deployment (Abandon deployment on its page) so that the process can be promoted again.",
    "DEPLOYMENT_REACHED_MAIN": "This deployment's merge already reached main, so it cannot be "
    "abandoned. An admin can retry the deployment; once it is deployed, it can be rolled back.",
    "MERGE_TIMEOUT": "Boomi took too long to merge the change into main. An admin can retry the "
    "deployment; nothing reached production yet.",
    "RELEASE_FAILED": "Boomi could not release the integration pack. An admin can retry; the "
    "environments still run the previous release.",
    "DEPLOYMENT_FAILED": "The deployment did not finish. An admin can retry it; the details say "
    "which step failed.",
    # The service refused.
    "INVALID_REQUEST": "Something entered was not accepted. Check the form and try again; the "
    "details say which value.",
    "CONFLICT": "Someone changed this at the same time. Reload the page and try again.",
    "FORBIDDEN": f"You may not do this. If you need to, {ASK_ADMIN}.",
    "INSUFFICIENT_TIER": f"Your groups do not allow this. If you need to, {ASK_ADMIN}.",
    "UNAUTHORIZED_ACCOUNT_ACCESS": "Your team groups do not grant this dev account. Ask a "
    "platform admin to grant your team's group under Dev Account Access.",
    "IDENTITY_MISMATCH": "The form was sent for someone else. Reload the page and try again.",
    "NOT_FOUND": "This no longer exists, or you may not see it. Go back and reload the list.",
    "PROMOTION_NOT_FOUND": "There is no such promotion that you can see. Go back to the list.",
    "REQUEST_TOO_LARGE": "What was sent is too large for the service. Send less (a smaller file, "
    f"fewer changes at once), or {ASK_ADMIN} to raise the limit.",
    "INVALID_PROMOTION_STATUS": "This promotion has moved on since the page was shown, so this "
    "step no longer applies. Reload the page to see where it stands.",
    "ALREADY_REVIEWED": "Someone has already decided this review. Reload the page.",
    "CONCURRENT_PROMOTION": "Another promotion from this dev account is running. Wait for it to "
    "finish (My Promotions shows it), then promote again.",
    "BRANCH_LIMIT_REACHED": "The production account has too many promotions waiting (Boomi "
    "allows only a few branches at once). Finish or withdraw some, or ask a platform admin.",
    "MISSING_CONNECTION_MAPPINGS": "Some connections of this package have no production "
    "connection yet (listed in the details). Ask a platform admin to map them under Mappings.",
    "DEPENDENCIES_CHANGED": "The package changed in Boomi since you reviewed it. Open the review "
    "again and check what changed before promoting.",
    "NOTHING_TO_PROMOTE": "Nothing to promote: every component of this package is the same as "
    "in production, so nothing was written. Change something in the dev account first.",
    "DEPENDENCY_CYCLE": "The package's components refer to each other in a circle, so they "
    "cannot be promoted in order. Break the circle in the dev account, then package again.",
    "SECRETS_DETECTED": "The package holds values that look like secrets where they cannot be "
    "removed safely (listed on the review page). Move them to environment extensions, or ask a "
    "platform admin to accept a false alarm.",
    "HOTFIX_JUSTIFICATION_REQUIRED": "Say why this hotfix cannot wait for a test deployment.",
    "HOTFIX_ACKNOWLEDGEMENT_REQUIRED": "Tick the box that says you understand this hotfix skipped "
    "the test deployment.",
    "SELF_REVIEW_NOT_ALLOWED": "You took part in this change, so someone else must review it.",
    "SELF_APPROVAL_NOT_ALLOWED": "You took part in this change, so another admin must approve it.",
    "NOT_PROMOTION_INITIATOR": "Only the person who started this promotion may do this.",
    "REVIEWER_NOT_IN_OWNING_TEAM": "This change must be peer-reviewed by the team that owns the "
    "dev account. Ask one of them.",
    "PRODUCTION_PROMOTION_EXISTS": "This test deployment is already on its way to production. "
    "Open that promotion from the list instead.",
    "NOTHING_TO_DEPLOY": "There is nothing new to deploy for this promotion.",
    "NO_PREVIOUS_RELEASE": "There is no earlier release to go back to.",
    "RELEASE_CHANGED": "Someone released this process since you looked. Review the rollback again.",
    "RELEASE_IN_PROGRESS": "A release of this process is still running. Wait for it to finish.",
    "UNKNOWN_CURRENT_RELEASE": "The environment runs a version this service did not release, so "
    "it cannot roll it back; roll it back in Boomi.",
    "ALREADY_ROLLED_BACK": "This release was already rolled back.",
    "AMBIGUOUS_PROCESS": "Processes of two dev accounts have this name. Choose the dev account "
    "whose process to roll back.",
    "PROMOTION_IN_REVIEW": "An earlier promotion of this process is still on its way to "
    "production (the details name it). Its initiator can withdraw it, or wait until it is "
    "reviewed; then promote again.",
    "COMPONENT_IN_PROMOTION": "A component of this package is also in another promotion that "
    "has not reached Test yet (the details name it). Deploy that one to Test, or let it end, "
    "then promote again.",
    "NEWER_PROMOTION_IN_PRODUCTION": "Production already runs a newer version of this change's "
    "components. Promote the package again and take the new promotion to production.",
    "ACCESS_NOT_FOUND": "That team does not hold this dev account any more. Reload the page.",
    "ACCOUNT_IS_CLIENT_ACCOUNT": "That account is set up as a client account, where releases "
    "run; a team develops in a dev account. Choose another account.",
    "ACCOUNT_IS_DEV_ACCOUNT": "That account is granted to teams as a dev account. Revoke those "
    "grants first, or choose another account.",
    "ACCOUNT_NOT_FOUND": "Boomi does not list that account under the production account. "
    "Check its name, or ask whoever manages your Boomi accounts.",
    "ALLOWLIST_ENTRY_NOT_FOUND": "There is no such accepted finding any more. Reload the page.",
    "BRANCH_NOT_AVAILABLE": "This promotion's branch is gone (it was deployed, rejected or "
    "withdrawn), so there is nothing to compare. Open the promotion to see where it stands.",
    "BRANCH_NOT_FOUND": "That branch does not belong to a promotion. Go back to the list.",
    "CLIENT_ACCOUNT_NOT_FOUND": "That client account is not set up (any more). Reload the page.",
    "COMPONENT_NOT_FOUND": "Boomi no longer has that component. Reload the page; if it stays, "
    f"{ASK_ADMIN}.",
    "DEPENDENCY_TREE_TOO_LARGE": "This package has more components than one promotion can take. "
    "Split it into smaller packages.",
    "DEV_COMPONENT_NOT_FOUND": "The dev account has no such component. Check what you entered.",
    "ENVIRONMENT_NOT_FOUND": "That environment is not one of this client account's. Choose one "
    "from the list.",
    "INTEGRATION_PACK_NOT_FOUND": "That integration pack does not exist any more. Choose another "
    "or create a new one.",
    "INVALID_COMPONENT_XML": "A component of this package could not be read safely, so nothing "
    "was promoted. Open it in the dev account and save it again, or ask a platform admin.",
    "MAPPING_NOT_FOUND": "There is no such mapping any more. Reload the page.",
    "MAP_EXTENSION_NOT_FOUND": "That map extension does not exist in this environment. Go back "
    "to the Extension Manager.",
    "PACKAGE_NOT_FOUND": "The dev account has no such package; it may have been deleted. Choose "
    "a package in the Package Browser.",
    "PROD_COMPONENT_ALREADY_MAPPED": "That production component already stands for another dev "
    "component; only connections may be shared. Choose another.",
    "PROD_COMPONENT_NOT_FOUND": "The production account has no such component. Find it by name "
    "instead.",
    "PROMOTION_FAILED": "The promotion failed and nothing reached main; the details say which "
    "component and why. Fix it in the dev account, package again and promote again.",
    "SCRIPT_EMPTY": "The script is empty. Paste the script to check.",
    "SECRET_FINDING_NOT_FOUND": "The component no longer holds that finding. Reload the page.",
}
"""Error code → the sentence a person reads in the dashboard, when the original would not do."""

_API_FIELD = re.compile(r"\b[a-z]+(?:[A-Z][a-z0-9]*)+\b|\bField '")
"""A camelCase request field (``newPackName``) or pydantic's "Field '…'" prefix."""
_FROM_BOOMI = re.compile(r"\b(GET|POST|PUT|DELETE) /|\bHTTP \d{3}\b")
"""How the Boomi client quotes a call: ``POST /Component/… answered HTTP 400``."""


@dataclass(frozen=True)
class PeopleMessage:
    text: str
    details: str
    """The original message and code, for the "Details" disclosure ("" when the same)."""


def names_api_terms(text: str) -> bool:
    """Whether ``text`` names a request field or quotes a Boomi call."""
    return bool(_API_FIELD.search(text) or _FROM_BOOMI.search(text))


def for_people(error: PromoError) -> PeopleMessage:
    """The sentence to show for ``error``, and the technical text behind it."""
    technical = f"{error.error_code}: {error.message}"
    if not names_api_terms(error.message):
        return PeopleMessage(error.message, "")
    text = MESSAGES.get(error.error_code) or MESSAGES["INVALID_REQUEST"]
    return PeopleMessage(text, technical)


def humanized(error: PromoError) -> PromoError:
    """``error`` with a message for people, the original kept in ``details["technical"]``."""
    said = for_people(error)
    if not said.details:
        return error
    copy = PromoError(
        said.text,
        error_code=error.error_code,
        field=error.field,
        details={**error.details, "technical": said.details},
    )
    copy.status_code = error.status_code
    return copy


def technical(error: PromoError) -> str:
    """The original message of a refusal :func:`humanized` reworded ("" when it was kept)."""
    kept = error.details.get("technical")
    return kept if isinstance(kept, str) else ""
