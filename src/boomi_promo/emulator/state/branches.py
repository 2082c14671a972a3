"""Branches: created from a parent or a package, ready after a delay, deleted."""

from __future__ import annotations

from datetime import datetime

from boomi_promo.emulator import ids
from boomi_promo.emulator.errors import bad_request, not_found
from boomi_promo.emulator.records import Branch
from boomi_promo.emulator.state.core import (
    MAIN_BRANCH_NAME,
    Row,
    body_text,
    locked,
    normalise_branch_name,
)
from boomi_promo.emulator.state.folders import FoldersState


class BranchesState(FoldersState):
    def main_branch(self, account_id: str) -> Branch:
        return self.branches[self.accounts[account_id].main_branch_id]

    def _live_branch(self, account_id: str, branch_id: str) -> Branch | None:
        branch = self.branches.get(branch_id)
        if branch is None or branch.account_id != account_id or branch.deleted:
            return None
        return branch

    def _listed(self, branch: Branch) -> bool:
        """Whether the API still shows the branch: live, or deleted but still DELETING."""
        return not branch.deleted or self.clock() < branch.gone_at

    def _listed_branch(self, account_id: str, branch_id: str) -> Branch | None:
        branch = self.branches.get(branch_id)
        if branch is None or branch.account_id != account_id or not self._listed(branch):
            return None
        return branch

    def _branch_by_name(self, account_id: str, name: str) -> Branch | None:
        for branch in self.branches.values():
            if branch.account_id == account_id and not branch.deleted and branch.name == name:
                return branch
        return None

    def _branch_row(self, branch: Branch) -> Row:
        # A branch being deleted is neither ready nor, until the deletion ends, deleted.
        ready = not branch.deleted and self.clock() >= branch.ready_at
        stage = "DELETING" if branch.deleted else "NORMAL" if ready else "CREATING"
        row: Row = {"@type": "Branch", "id": branch.branch_id, "name": branch.name}
        if branch.description:
            row["description"] = branch.description
        if branch.parent_id is not None:
            row["parentId"] = branch.parent_id
            row["parentName"] = self.branches[branch.parent_id].name
        if branch.package_id is not None:
            row["packageId"] = branch.package_id
        row.update(
            {
                "ready": ready,
                "stage": stage,
                "deleted": False,
                "createdBy": branch.created_by,
                "createdDate": branch.created_date,
                "modifiedBy": branch.modified_by or branch.created_by,
                "modifiedDate": branch.modified_date or branch.created_date,
            }
        )
        return row

    @locked
    def create_branch(
        self, account_id: str, body: Row, *, user: str, at: datetime | None = None
    ) -> Row:
        raw_name = body_text(body, "name")
        if not raw_name:
            raise bad_request("A branch needs a name.")
        name = normalise_branch_name(raw_name)
        if self._branch_by_name(account_id, name) is not None:
            raise bad_request(f"A branch named {name!r} already exists.")
        # Branches still DELETING count toward the limit until they are gone.
        held = [b for b in self.branches.values() if b.account_id == account_id and self._listed(b)]
        if len(held) >= self.settings.branch_limit:
            raise bad_request(
                f"The account has reached the limit of {self.settings.branch_limit} branches; "
                "delete a branch before creating another."
            )
        parent_id = body_text(body, "parentId") or self.accounts[account_id].main_branch_id
        parent = self._live_branch(account_id, parent_id)
        if parent is None:
            raise bad_request(f"Parent branch {parent_id} does not exist.")
        base = {
            record.component_id: view.version
            for record in self._records(account_id)
            if (view := self._view(parent, record)) is not None
        }
        package_id = body_text(body, "packageId") or None
        if package_id is not None:
            package = self.packages.get(package_id)
            if package is None or package.account_id != account_id or package.deleted:
                raise bad_request(f"Packaged component {package_id} does not exist.")
            base.update(package.snapshot)
        self.branch_sequence += 1
        created = self._now(at)
        branch = Branch(
            branch_id=ids.branch_id(self.branch_sequence),
            account_id=account_id,
            name=name,
            description=body_text(body, "description"),
            parent_id=parent.branch_id,
            package_id=package_id,
            created_by=user,
            created_date=created,
            ready_at=self.clock() + self.settings.branch_ready_seconds,
            base=base,
            visible_at=self.clock() + self.settings.branch_query_delay_seconds,
        )
        self.branches[branch.branch_id] = branch
        return self._branch_row(branch)

    @locked
    def get_branch(self, account_id: str, branch_id: str) -> Row:
        branch = self._listed_branch(account_id, branch_id)
        if branch is None:
            raise not_found(f"Branch {branch_id} was not found.")
        return self._branch_row(branch)

    @locked
    def delete_branch(self, account_id: str, branch_id: str, *, user: str) -> None:
        """Every revision that only the branch held is gone at once; the branch itself is listed
        as DELETING for ``branch_delete_seconds`` (a second delete meanwhile is accepted), then
        it is gone."""
        branch = self._listed_branch(account_id, branch_id)
        if branch is None:
            raise not_found(f"Branch {branch_id} was not found.")
        if branch.deleted:
            return
        if branch.name == MAIN_BRANCH_NAME and branch.parent_id is None:
            raise bad_request("The main branch cannot be deleted.")
        branch.deleted = True
        branch.gone_at = self.clock() + self.settings.branch_delete_seconds
        branch.modified_by = user
        branch.modified_date = self._now()
