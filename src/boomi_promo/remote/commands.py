"""``promo remote ...``: every user-facing action against a running service, for people and CI.

The service URL and bearer token come from PROMO_SERVICE_URL and PROMO_TOKEN (or --url and
--token). Exit codes (:class:`~boomi_promo.remote.client.ExitCode`): 0 success; 1 the action was
refused or failed (its errorCode is printed); 2 bad command line or request body; 3 the service
is unreachable, refused the token, or a followed job did not finish in time; 130 interrupted.

Long actions (promote, deploy, assign-pack, admin-review) ask for ``Prefer: respond-async``:
without ``--wait`` the command prints the job's URL and returns; with ``--wait`` it follows the
job, showing its progress on standard error, and ends with the action's own answer.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from boomi_promo.remote import render
from boomi_promo.remote.client import (
    FINISHED_JOB_STATES,
    ActionRefused,
    Answer,
    BadInput,
    RemoteError,
    ServiceClient,
    checked,
    job_id_of,
)
from boomi_promo.remote.progress import ProgressLine

REQUEST_TIMEOUT_SECONDS = 60.0
DEFAULT_WAIT_SECONDS = 1800.0
INTERRUPTED_EXIT_CODE = 130

remote_app = typer.Typer(
    help=(
        "Run actions on a running boomi-promo service (PROMO_SERVICE_URL, PROMO_TOKEN). "
        "Exit codes: 0 done; 1 refused or failed; 2 bad input; 3 service unreachable, "
        "token refused or wait timed out."
    ),
    no_args_is_help=True,
)

UrlOption = Annotated[
    str,
    typer.Option(
        "--url", envvar="PROMO_SERVICE_URL", help="The service's base URL.", show_default=False
    ),
]
TokenOption = Annotated[
    str,
    typer.Option(
        "--token", envvar="PROMO_TOKEN", help="Bearer token for the API.", show_default=False
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the service's JSON answer on standard output.")
]
WaitOption = Annotated[
    bool,
    typer.Option("--wait", help="Follow the job until it finishes (else print the job's URL)."),
]
WaitTimeoutOption = Annotated[
    float,
    typer.Option("--wait-timeout", min=0, help="Seconds --wait follows the job before exit 3."),
]
PromotionArgument = Annotated[str, typer.Argument(help="The promotion's id.", show_default=False)]
PackIdOption = Annotated[
    str | None, typer.Option("--pack-id", help="An existing Integration Pack's id.")
]
NewPackOption = Annotated[
    str | None, typer.Option("--new-pack", help="Create an Integration Pack with this name.")
]
PackDescriptionOption = Annotated[
    str | None, typer.Option("--pack-description", help="Description of the new pack.")
]
PackageVersionOption = Annotated[
    str | None,
    typer.Option("--package-version", help="Version of the package to create (else Boomi's)."),
]
NotesOption = Annotated[
    str | None, typer.Option("--notes", help="Deployment notes shown with the release.")
]
CommentOption = Annotated[str | None, typer.Option("--comment", help="The reviewer's comments.")]


class DeployMode(StrEnum):
    """packageAndDeploy's modes by name; left out, the promotion's status decides."""

    TEST = "test"
    PRODUCTION = "production"
    HOTFIX = "hotfix"
    PACK = "pack"

    @property
    def number(self) -> int:
        return {"test": 1, "production": 2, "hotfix": 3, "pack": 4}[self.value]


class Target(StrEnum):
    TEST = "TEST"
    PRODUCTION = "PRODUCTION"


class DiffAction(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"


@dataclass(frozen=True)
class Session:
    """Where to send requests and how to print what comes back."""

    url: str
    token: str
    as_json: bool

    def client(self) -> ServiceClient:
        return ServiceClient(self.url, self.token, timeout_seconds=REQUEST_TIMEOUT_SECONDS)


@dataclass(frozen=True)
class Waiting:
    wait: bool
    timeout_seconds: float


Renderer = Callable[[dict[str, Any]], list[str]]
T = TypeVar("T")


def fail(error: RemoteError, *, as_json: bool) -> NoReturn:
    """Print the refusal (the answer itself with --json) and exit with its code."""
    if as_json:
        typer.echo(json.dumps(error.envelope(), indent=2))
    typer.echo(f"error: {error.error_code}: {error.message}", err=True)
    for line in render.error_details(error.envelope()):
        typer.echo(line, err=True)
    raise typer.Exit(code=error.exit_code)


def show(session: Session, body: dict[str, Any], lines: Callable[[], list[str]]) -> None:
    if session.as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    for line in lines():
        typer.echo(line)


def execute(session: Session, work: Callable[[ServiceClient], None]) -> None:
    try:
        with session.client() as client:
            work(client)
    except RemoteError as error:
        fail(error, as_json=session.as_json)


def follow(client: ServiceClient, job_id: str, waiting: Waiting) -> Answer:
    progress = ProgressLine(sys.stderr)
    try:
        return client.follow(job_id, on_change=progress, timeout_seconds=waiting.timeout_seconds)
    except KeyboardInterrupt:
        progress.close()
        typer.echo(
            f"stopped following job {job_id}; it goes on: {client.job_url(job_id)}", err=True
        )
        raise typer.Exit(code=INTERRUPTED_EXIT_CODE) from None
    finally:
        progress.close()


def long_action(
    session: Session,
    action: str,
    body: dict[str, Any],
    waiting: Waiting,
    lines: Renderer,
) -> None:
    """Start a long action as a job; follow it with --wait, else print where to follow it."""

    def work(client: ServiceClient) -> None:
        answer = client.call(action, body, respond_async=True)
        if answer.is_job:
            job_id = str(answer.body.get("jobId"))
            if not waiting.wait:
                show(
                    session,
                    answer.body,
                    lambda: [
                        *render.job_lines(answer.body, client.job_url(job_id)),
                        f"follow it: promo remote job {job_id} --wait",
                    ],
                )
                return
            answer = follow(client, job_id, waiting)
        show(session, answer.body, lambda: lines(answer.body))

    execute(session, work)


def short_action(session: Session, action: str, body: dict[str, Any], lines: Renderer) -> None:
    def work(client: ServiceClient) -> None:
        answer = client.call(action, body)
        show(session, answer.body, lambda: lines(answer.body))

    execute(session, work)


@dataclass(frozen=True)
class PackChoice:
    """The request fields and command options of one pack choice: an existing pack or a new one."""

    id_field: str
    create_field: str
    name_field: str
    description_field: str
    id_option: str
    name_option: str

    def fields(
        self, pack_id: str | None, name: str | None, description: str | None, *, required: bool
    ) -> dict[str, Any]:
        if pack_id and name:
            raise BadInput(
                f"Give {self.id_option} or {self.name_option}, not both.",
                error_code="INVALID_REQUEST",
            )
        if required and not (pack_id or name):
            raise BadInput(
                f"Give {self.id_option} or {self.name_option}.", error_code="INVALID_REQUEST"
            )
        if pack_id:
            return {self.id_field: pack_id}
        if name:
            return without_blanks(
                {
                    self.create_field: True,
                    self.name_field: name,
                    self.description_field: description,
                }
            )
        return {}


PACK = PackChoice(
    "integrationPackId",
    "createNewPack",
    "newPackName",
    "newPackDescription",
    "--pack-id",
    "--new-pack",
)
HOTFIX_TEST_PACK = PackChoice(
    "hotfixTestPackId",
    "hotfixCreateNewTestPack",
    "hotfixNewTestPackName",
    "hotfixNewTestPackDescription",
    "--test-pack-id",
    "--new-test-pack",
)


def without_blanks(body: dict[str, Any]) -> dict[str, Any]:
    """Options left out are left out of the body, so the service's defaults apply."""
    return {key: value for key, value in body.items() if value is not None}


def checked_input(session: Session, build: Callable[[], T]) -> T:
    """What ``build`` makes of the command line; its :class:`BadInput` exits 2."""
    try:
        return build()
    except RemoteError as error:
        fail(error, as_json=session.as_json)


# ------------------------------------------------------------------------------ commands


@remote_app.command("promote")
def promote(
    dev_account: Annotated[
        str, typer.Option("--dev-account", help="The dev sub-account's id.", show_default=False)
    ],
    package: Annotated[
        str,
        typer.Option(
            "--package", help="The dev package (PackagedComponent) id.", show_default=False
        ),
    ],
    root_component: Annotated[
        str | None,
        typer.Option("--root-component", help="The package's component id, checked if given."),
    ] = None,
    wait: WaitOption = False,
    wait_timeout: WaitTimeoutOption = DEFAULT_WAIT_SECONDS,
    url: UrlOption = "",
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Promote a dev package into the primary account on a new branch (executePromotion)."""
    body = without_blanks(
        {"devAccountId": dev_account, "devPackageId": package, "rootComponentId": root_component}
    )
    long_action(
        Session(url, token, as_json),
        "executePromotion",
        body,
        Waiting(wait, wait_timeout),
        render.promotion_lines,
    )


@remote_app.command("deploy")
def deploy(
    promotion_id: PromotionArgument,
    mode: Annotated[
        DeployMode | None,
        typer.Option(
            "--mode",
            case_sensitive=False,
            help="test, production, hotfix or pack; left out, the promotion's status decides.",
        ),
    ] = None,
    pack_id: PackIdOption = None,
    new_pack: NewPackOption = None,
    pack_description: PackDescriptionOption = None,
    package_version: PackageVersionOption = None,
    notes: NotesOption = None,
    wait: WaitOption = False,
    wait_timeout: WaitTimeoutOption = DEFAULT_WAIT_SECONDS,
    url: UrlOption = "",
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Package a promotion and deploy it: to Test after a promotion (packageAndDeploy)."""
    session = Session(url, token, as_json)
    body = checked_input(
        session,
        lambda: without_blanks(
            {
                "promotionId": promotion_id,
                "mode": mode.number if mode else None,
                "packageVersion": package_version,
                "deploymentNotes": notes,
                **PACK.fields(pack_id, new_pack, pack_description, required=False),
            }
        ),
    )
    long_action(
        session, "packageAndDeploy", body, Waiting(wait, wait_timeout), render.deployment_lines
    )


@remote_app.command("assign-pack")
def assign_pack(
    promotion_id: PromotionArgument,
    pack_id: PackIdOption = None,
    new_pack: NewPackOption = None,
    pack_description: PackDescriptionOption = None,
    wait: WaitOption = False,
    wait_timeout: WaitTimeoutOption = DEFAULT_WAIT_SECONDS,
    url: UrlOption = "",
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Admin: release a test deployment waiting for a Test pack to one (packageAndDeploy mode 4)."""
    session = Session(url, token, as_json)
    body = checked_input(
        session,
        lambda: {
            "promotionId": promotion_id,
            "mode": DeployMode.PACK.number,
            **PACK.fields(pack_id, new_pack, pack_description, required=True),
        },
    )
    long_action(
        session, "packageAndDeploy", body, Waiting(wait, wait_timeout), render.deployment_lines
    )


@remote_app.command("submit")
def submit(
    promotion_id: PromotionArgument,
    notes: Annotated[str | None, typer.Option("--notes", help="Notes for the reviewers.")] = None,
    hotfix: Annotated[
        bool,
        typer.Option("--hotfix", help="Emergency: a COMPLETED promotion straight to review."),
    ] = False,
    justification: Annotated[
        str | None, typer.Option("--justification", help="Why the hotfix cannot wait.")
    ] = None,
    url: UrlOption = "",
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Submit a test deployment (or a hotfix) for peer review (submitForPeerReview).

    Prints the PRODUCTION promotion the reviewers decide on; its id is what peer-review,
    admin-review and status take next.
    """
    body = without_blanks(
        {
            "promotionId": promotion_id,
            "isHotfix": hotfix,
            "hotfixJustification": justification,
            "deploymentNotes": notes,
        }
    )
    short_action(Session(url, token, as_json), "submitForPeerReview", body, render.submission_lines)


@remote_app.command("peer-review")
def peer_review(
    promotion_id: PromotionArgument,
    approve: Annotated[
        bool,
        typer.Option("--approve/--reject", help="The decision.", show_default=False),
    ],
    comment: CommentOption = None,
    url: UrlOption = "",
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Approve or reject a promotion as a peer (submitPeerReview)."""
    body = without_blanks(
        {
            "promotionId": promotion_id,
            "decision": "APPROVED" if approve else "REJECTED",
            "comments": comment,
        }
    )
    short_action(Session(url, token, as_json), "submitPeerReview", body, render.peer_review_lines)


@remote_app.command("admin-review")
def admin_review(
    promotion_id: PromotionArgument,
    approve: Annotated[
        bool,
        typer.Option(
            "--approve/--reject",
            help="The decision; approving deploys to production.",
            show_default=False,
        ),
    ],
    comment: CommentOption = None,
    pack_id: PackIdOption = None,
    new_pack: NewPackOption = None,
    pack_description: PackDescriptionOption = None,
    hotfix_ack: Annotated[
        bool, typer.Option("--hotfix-ack", help="Acknowledge that a hotfix skipped Test.")
    ] = False,
    test_pack_id: Annotated[
        str | None, typer.Option("--test-pack-id", help="Hotfix: the Test pack to release to.")
    ] = None,
    new_test_pack: Annotated[
        str | None, typer.Option("--new-test-pack", help="Hotfix: create a Test pack.")
    ] = None,
    package_version: PackageVersionOption = None,
    notes: NotesOption = None,
    wait: WaitOption = False,
    wait_timeout: WaitTimeoutOption = DEFAULT_WAIT_SECONDS,
    url: UrlOption = "",
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Admin: approve (and deploy to production) or reject a promotion (submitAdminReview)."""
    session = Session(url, token, as_json)
    body = checked_input(
        session,
        lambda: without_blanks(
            {
                "promotionId": promotion_id,
                "decision": "APPROVED" if approve else "REJECTED",
                "comments": comment,
                "hotfixAcknowledged": hotfix_ack or None,
                "packageVersion": package_version,
                "deploymentNotes": notes,
                **PACK.fields(pack_id, new_pack, pack_description, required=False),
                **HOTFIX_TEST_PACK.fields(test_pack_id, new_test_pack, None, required=False),
            }
        ),
    )
    long_action(
        session, "submitAdminReview", body, Waiting(wait, wait_timeout), render.deployment_lines
    )


@remote_app.command("abandon")
def abandon(
    promotion_id: PromotionArgument,
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Why the deployment is given up (required).", show_default=False
        ),
    ],
    url: UrlOption = "",
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Admin: abandon a failed production deployment (abandonDeployment).

    Only for a DEPLOY_FAILED promotion whose merge did not reach main: its branch is deleted,
    its mappings put back, and the process can be promoted again.
    """
    body = {"promotionId": promotion_id, "reason": reason}
    short_action(Session(url, token, as_json), "abandonDeployment", body, render.ended_lines)


@remote_app.command("status")
def status(
    promotion_id: Annotated[
        str | None, typer.Argument(help="One promotion; left out, a list.", show_default=False)
    ] = None,
    statuses: Annotated[
        list[str] | None,
        typer.Option("--status", help="Only promotions in this status (repeatable)."),
    ] = None,
    target: Annotated[
        Target | None, typer.Option("--target", case_sensitive=False, help="TEST or PRODUCTION.")
    ] = None,
    process: Annotated[str | None, typer.Option("--process", help="Exact process name.")] = None,
    dev_account: Annotated[
        str | None, typer.Option("--dev-account", help="Only this dev account's promotions.")
    ] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="1-based page.")] = 1,
    page_size: Annotated[int, typer.Option("--page-size", min=1, help="Rows per page.")] = 50,
    url: UrlOption = "",
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """Promotions you may see, newest first, or one promotion in full (queryStatus).

    Naming a promotion that does not exist (or that you may not see) exits 1.
    """
    session = Session(url, token, as_json)
    body = without_blanks(
        {
            "promotionId": promotion_id,
            "statuses": [s.strip().upper() for s in statuses] if statuses else None,
            "targetEnvironment": target.value if target else None,
            "processName": process,
            "devAccountId": dev_account,
            "page": page,
            "pageSize": page_size,
        }
    )

    def work(client: ServiceClient) -> None:
        answer = client.call("queryStatus", body)
        if promotion_id is not None and not answer.body.get("promotions"):
            raise ActionRefused(
                f"No promotion '{promotion_id}' is visible to you.",
                error_code="PROMOTION_NOT_FOUND",
                answer=answer.body,
            )
        show(
            session,
            answer.body,
            lambda: render.status_lines(answer.body, one_promotion=promotion_id is not None),
        )

    execute(session, work)


@remote_app.command("diff")
def diff(
    promotion_id: PromotionArgument,
    component_id: Annotated[
        str, typer.Argument(help="The prod component's id.", show_default=False)
    ],
    component_action: Annotated[
        DiffAction | None,
        typer.Option(
            "--component-action",
            case_sensitive=False,
            help="CREATE (main side empty) or UPDATE; left out, main decides.",
        ),
    ] = None,
    url: UrlOption = "",
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """A component as the promotion's branch holds it against main (generateComponentDiff)."""
    body = without_blanks(
        {
            "promotionId": promotion_id,
            "prodComponentId": component_id,
            "componentAction": component_action.value if component_action else None,
        }
    )
    short_action(Session(url, token, as_json), "generateComponentDiff", body, render.diff_lines)


RENDERERS: dict[str, Renderer] = {
    "executePromotion": render.promotion_lines,
    "packageAndDeploy": render.deployment_lines,
    "submitAdminReview": render.deployment_lines,
}


def pretty_json(body: dict[str, Any]) -> list[str]:
    return [json.dumps(body, indent=2)]


@remote_app.command("job")
def job(
    reference: Annotated[
        str, typer.Argument(help="The job's id or URL, as a long action printed it.")
    ],
    wait: WaitOption = False,
    wait_timeout: WaitTimeoutOption = DEFAULT_WAIT_SECONDS,
    url: UrlOption = "",
    token: TokenOption = "",
    as_json: JsonOption = False,
) -> None:
    """A long action's job: its state, or with --wait its progress until it finishes.

    A finished job exits like its action would have: 0 when it succeeded, 1 when it failed.
    """
    session = Session(url, token, as_json)
    job_id = checked_input(session, lambda: job_id_of(reference))

    def work(client: ServiceClient) -> None:
        document = client.job(job_id)
        lines = RENDERERS.get(str(document.get("action")), pretty_json)
        if wait:
            answer = follow(client, job_id, Waiting(wait, wait_timeout))
        elif document.get("state") in FINISHED_JOB_STATES:
            response = document.get("response")
            answer = checked(
                int(document.get("httpStatus") or 500),
                response if isinstance(response, dict) else {},
            )
        else:
            show(session, document, lambda: render.job_lines(document, client.job_url(job_id)))
            return
        show(session, answer.body, lambda: lines(answer.body))

    execute(session, work)


@remote_app.command("call")
def call(
    action: Annotated[str, typer.Argument(help="The action's name, e.g. getDevAccounts.")],
    data: Annotated[
        str,
        typer.Option(
            "--data", "-d", help="The request body: a JSON object, @FILE, or - for stdin."
        ),
    ] = "{}",
    wait: WaitOption = False,
    wait_timeout: WaitTimeoutOption = DEFAULT_WAIT_SECONDS,
    url: UrlOption = "",
    token: TokenOption = "",
) -> None:
    """Any action by name with a JSON body; prints the JSON answer (see /openapi.json)."""
    session = Session(url, token, as_json=True)
    body = checked_input(session, lambda: request_body(data))
    long_action(session, action, body, Waiting(wait, wait_timeout), pretty_json)


def request_body(data: str) -> dict[str, Any]:
    """``--data``: inline JSON, ``@file`` or ``-`` (standard input); a JSON object."""
    try:
        if data == "-":
            text = sys.stdin.read()
        elif data.startswith("@"):
            text = Path(data[1:]).read_text(encoding="utf-8")
        else:
            text = data
    except OSError as exc:
        raise BadInput(
            f"Cannot read the request body from {data[1:]!r}: {exc.strerror}.",
            error_code="INVALID_REQUEST",
        ) from exc
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"--data is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
            error_code="INVALID_REQUEST",
        ) from exc
    if not isinstance(body, dict):
        raise BadInput("--data must be a JSON object.", error_code="INVALID_REQUEST")
    return body
