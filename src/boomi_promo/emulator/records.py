"""The emulated Boomi world as plain records; :class:`StateDocument` is what a state file holds.

Component content is kept per revision. A revision is tagged with the branch it was written on;
branches and packages point at revisions by ``(componentId, version)`` so that a package keeps
the exact versions it snapshotted even after the branch that wrote them is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Account:
    account_id: str
    name: str
    parent_account_id: str | None
    date_created: str
    main_branch_id: str
    root_folder_id: str
    status: str = "active"


@dataclass
class Folder:
    folder_id: str
    account_id: str
    name: str
    parent_id: str | None
    deleted: bool = False


@dataclass(frozen=True)
class EncryptedValue:
    path: str
    is_set: bool


@dataclass(frozen=True)
class Revision:
    """One version of a component's content, as written on one branch."""

    component_id: str
    account_id: str
    version: int
    branch_id: str
    name: str
    type: str
    sub_type: str
    folder_id: str
    description: str
    encrypted_values: tuple[EncryptedValue, ...]
    object_xml: str
    """Serialised children of ``<bns:object>``."""
    process_overrides_xml: str
    """Serialised ``<bns:processOverrides>`` element, or empty."""
    deleted: bool
    modified_by: str
    modified_date: str


@dataclass
class ComponentRecord:
    component_id: str
    account_id: str
    created_by: str
    created_date: str
    revisions: dict[int, Revision] = field(default_factory=dict)
    """Every revision ever written; versions count up across all branches and are never reused."""

    def next_version(self) -> int:
        return max(self.revisions, default=0) + 1


@dataclass
class Branch:
    branch_id: str
    account_id: str
    name: str
    description: str
    parent_id: str | None
    package_id: str | None
    created_by: str
    created_date: str
    ready_at: float
    """Epoch seconds from which the branch reports ``ready``; creation is simulated as a delay."""
    base: dict[str, int] = field(default_factory=dict)
    """componentId → version the branch sees until it writes its own revision."""
    deleted: bool = False
    modified_by: str = ""
    modified_date: str = ""


@dataclass
class PackagedComponent:
    package_id: str
    account_id: str
    component_id: str
    component_version: int
    component_type: str
    package_version: str
    branch_name: str
    notes: str
    shareable: bool
    created_by: str
    created_date: str
    snapshot: dict[str, int] = field(default_factory=dict)
    """The packaged component and every component it depends on: componentId → version."""
    deleted: bool = False


@dataclass
class MergeDetail:
    component_id: str
    change_type: str
    conflict: bool
    source_revision: int
    destination_revision: int | None
    merge_revision: int | None = None
    stage: str = "DRAFTED"


@dataclass
class MergeRequest:
    merge_request_id: str
    account_id: str
    source_branch_id: str
    destination_branch_id: str
    strategy: str
    priority_branch: str
    note: str
    created_by: str
    created_date: str
    stage: str
    previous_stage: str
    next_stage_at: float | None
    """Epoch seconds of the next automatic stage change; ``None`` when none is due."""
    modified_by: str = ""
    modified_date: str = ""
    details: list[MergeDetail] = field(default_factory=list)


@dataclass
class StateDocument:
    """Everything :meth:`EmulatorState.save` writes; runtime settings and faults are not saved."""

    primary_account_id: str
    username: str
    api_token: str
    branch_sequence: int
    folder_sequence: int
    accounts: list[Account]
    folders: list[Folder]
    components: list[ComponentRecord]
    branches: list[Branch]
    packages: list[PackagedComponent]
    merge_requests: list[MergeRequest]
