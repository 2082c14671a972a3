"""Components: reading a revision on a branch, writing a new version."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from boomi_promo.domain.component_types import COMPONENT_TYPES
from boomi_promo.emulator import ids
from boomi_promo.emulator.component_xml import ComponentDocument, render_component
from boomi_promo.emulator.errors import bad_request, not_found
from boomi_promo.emulator.records import Branch, ComponentRecord, Revision
from boomi_promo.emulator.state.branches import BranchesState
from boomi_promo.emulator.state.core import ComponentView, Row, attribute_text, locked


class ComponentsState(BranchesState):
    def _reachable(self, revision: Revision) -> bool:
        if self._live_branch(revision.account_id, revision.branch_id) is not None:
            return True
        key = (revision.component_id, revision.version)
        holders = [p.snapshot for p in self.packages.values() if not p.deleted]
        holders += [b.base for b in self.branches.values() if not b.deleted]
        return any(held.get(key[0]) == key[1] for held in holders)

    def _record(self, account_id: str, component_id: str) -> ComponentRecord | None:
        record = self.components.get(component_id)
        return record if record is not None and record.account_id == account_id else None

    @staticmethod
    def split_ref(ref: str) -> tuple[str, str | None]:
        component_id, _, suffix = ref.partition("~")
        return component_id, suffix or None

    def _read(self, account_id: str, ref: str) -> ComponentView:
        component_id, suffix = self.split_ref(ref)
        record = self._record(account_id, component_id)
        if record is None:
            raise not_found(f"Component {component_id} was not found.")
        if suffix is None:
            branch = self.main_branch(account_id)
        elif (number := ids.parse_number(suffix)) is not None:
            revision = record.revisions.get(number)
            if revision is None or not self._reachable(revision):
                raise not_found(f"Component {component_id} has no version {suffix}.")
            branch = self._live_branch(account_id, revision.branch_id) or self.main_branch(
                account_id
            )
            return ComponentView(revision, branch)
        elif ids.is_branch_id(suffix):
            found = self._live_branch(account_id, suffix)
            if found is None:
                raise not_found(f"Branch {suffix} was not found.")
            branch = found
        else:
            raise bad_request(f"{ref!r} is neither componentId~version nor componentId~branchId.")
        revision = self._view(branch, record)
        if revision is None:
            raise not_found(f"Component {component_id} was not found on branch {branch.name}.")
        return ComponentView(revision, branch)

    def _metadata_row(self, view: ComponentView) -> Row:
        revision = view.revision
        record = self.components[revision.component_id]
        current = self._view(view.branch, record)
        folder = self.folders[revision.folder_id]
        shown_branch = self._live_branch(revision.account_id, revision.branch_id) or view.branch
        row: Row = {
            "@type": "ComponentMetadata",
            "componentId": revision.component_id,
            "version": revision.version,
            "name": revision.name,
            "type": revision.type,
        }
        if revision.sub_type:
            row["subType"] = revision.sub_type
        row.update(
            {
                "createdDate": record.created_date,
                "createdBy": record.created_by,
                "modifiedDate": revision.modified_date,
                "modifiedBy": revision.modified_by,
                "deleted": revision.deleted,
                "currentVersion": current is not None and current.version == revision.version,
                "folderName": folder.name,
                "folderId": folder.folder_id,
                "branchName": shown_branch.name,
                "branchId": shown_branch.branch_id,
            }
        )
        return row

    @locked
    def get_component_xml(self, account_id: str, ref: str) -> bytes:
        return self._component_xml(self._read(account_id, ref))

    def _component_xml(self, view: ComponentView) -> bytes:
        row = self._metadata_row(view)
        attributes = {key: attribute_text(value) for key, value in row.items() if key != "@type"}
        attributes["folderFullPath"] = self.folder_path(self.folders[view.revision.folder_id])
        return render_component(view.revision, attributes)

    @locked
    def get_component_metadata(self, account_id: str, ref: str) -> Row:
        return self._metadata_row(self._read(account_id, ref))

    @locked
    def write_component(
        self,
        account_id: str,
        document: ComponentDocument,
        *,
        path_component_id: str | None,
        path_branch_id: str | None,
        user: str,
        at: datetime | None = None,
    ) -> bytes:
        """Create (no id in the path) or fully replace a component; answer the new revision."""
        return self._component_xml(
            self.apply_write(
                account_id,
                document,
                path_component_id=path_component_id,
                path_branch_id=path_branch_id,
                user=user,
                at=at,
            )
        )

    @locked
    def apply_write(
        self,
        account_id: str,
        document: ComponentDocument,
        *,
        path_component_id: str | None,
        path_branch_id: str | None,
        user: str,
        at: datetime | None = None,
    ) -> ComponentView:
        if path_branch_id and document.branch_id and path_branch_id != document.branch_id:
            raise bad_request("The branchId attribute and the branch in the path differ.")
        branch_id = path_branch_id or document.branch_id or self.accounts[account_id].main_branch_id
        branch = self._live_branch(account_id, branch_id)
        if branch is None:
            raise bad_request(f"Branch {branch_id} does not exist.")
        if document.object_xml is None:
            raise bad_request("The component has no <bns:object> element.")
        if document.folder_id and self._folder(account_id, document.folder_id) is None:
            raise bad_request(f"Folder {document.folder_id} does not exist.")
        moment = self._now(at)
        if path_component_id is None:
            return self._create(account_id, document, branch, user, moment)
        return self._update(account_id, path_component_id, document, branch, user, moment)

    def _create(
        self, account_id: str, document: ComponentDocument, branch: Branch, user: str, moment: str
    ) -> ComponentView:
        if document.component_id:
            raise bad_request(
                "A new component must not carry a componentId; POST to /Component/{id} to update."
            )
        if not document.name:
            raise bad_request("A component needs a name.")
        if document.type not in COMPONENT_TYPES:
            raise bad_request(f"Component type {document.type!r} is not valid.")
        record = ComponentRecord(self.new_uuid(), account_id, user, moment)
        self.components[record.component_id] = record
        revision = self._revision(
            record,
            document,
            branch,
            user,
            moment,
            name=document.name,
            sub_type=document.sub_type,
            folder_id=document.folder_id or self.accounts[account_id].root_folder_id,
        )
        return ComponentView(revision, branch)

    def _update(
        self,
        account_id: str,
        component_id: str,
        document: ComponentDocument,
        branch: Branch,
        user: str,
        moment: str,
    ) -> ComponentView:
        if document.component_id and document.component_id != component_id:
            raise bad_request("The componentId attribute does not match the id in the path.")
        record = self._record(account_id, component_id)
        current = self._view(branch, record) if record is not None else None
        if record is None or current is None:
            raise bad_request(f"ComponentId {component_id} is invalid on branch {branch.name}.")
        if document.type and document.type != current.type:
            raise bad_request(
                f"The type of component {component_id} cannot change from {current.type}."
            )
        revision = self._revision(
            record,
            document,
            branch,
            user,
            moment,
            name=document.name or current.name,
            sub_type=document.sub_type or current.sub_type,
            folder_id=document.folder_id or current.folder_id,
            type_=current.type,
        )
        return ComponentView(revision, branch)

    def _revision(
        self,
        record: ComponentRecord,
        document: ComponentDocument,
        branch: Branch,
        user: str,
        moment: str,
        *,
        name: str,
        sub_type: str,
        folder_id: str,
        type_: str | None = None,
    ) -> Revision:
        revision = Revision(
            component_id=record.component_id,
            account_id=record.account_id,
            version=record.next_version(),
            branch_id=branch.branch_id,
            name=name,
            type=type_ or document.type,
            sub_type=sub_type,
            folder_id=folder_id,
            description=document.description,
            encrypted_values=document.encrypted_values,
            object_xml=document.object_xml or "",
            process_overrides_xml=document.process_overrides_xml,
            deleted=False,
            modified_by=user,
            modified_date=moment,
        )
        record.revisions[revision.version] = revision
        return revision

    @locked
    def delete_component(self, account_id: str, ref: str, *, user: str) -> None:
        """Soft delete: a new revision marked deleted, on main or on the tilde's branch."""
        view = self._read(account_id, ref)
        if self.split_ref(ref)[1] not in (None, view.branch.branch_id):
            raise bad_request("Delete a component on main or on a branch, not a version.")
        record = self.components[view.revision.component_id]
        deleted = dataclasses.replace(
            view.revision,
            version=record.next_version(),
            branch_id=view.branch.branch_id,
            deleted=True,
            modified_by=user,
            modified_date=self._now(),
        )
        record.revisions[deleted.version] = deleted
