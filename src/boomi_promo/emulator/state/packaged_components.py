"""Packaged components: a component's version frozen into a package."""

from __future__ import annotations

from datetime import datetime

from boomi_promo.emulator.errors import bad_request, not_found
from boomi_promo.emulator.records import Branch, PackagedComponent, Revision
from boomi_promo.emulator.state.core import (
    MAIN_BRANCH_NAME,
    PACKAGEABLE_TYPES,
    Row,
    body_text,
    locked,
)
from boomi_promo.emulator.state.references import ReferencesState


class PackagesState(ReferencesState):
    def _package_row(self, package: PackagedComponent) -> Row:
        return {
            "@type": "PackagedComponent",
            "packageId": package.package_id,
            "packageVersion": package.package_version,
            "componentId": package.component_id,
            "componentVersion": package.component_version,
            "componentType": package.component_type,
            "branchName": package.branch_name,
            "notes": package.notes,
            "shareable": package.shareable,
            "fullyPubliclyConsumable": False,
            "createdDate": package.created_date,
            "createdBy": package.created_by,
            "deleted": package.deleted,
        }

    def _dependency_snapshot(self, root: Revision, branch: Branch) -> dict[str, int]:
        snapshot = {root.component_id: root.version}
        pending = [root]
        while pending:
            for reference in self._references(pending.pop(), branch):
                child = reference.child
                if reference.type == "DEPENDENT" and child.component_id not in snapshot:
                    snapshot[child.component_id] = child.version
                    pending.append(child)
        return snapshot

    @locked
    def create_package(
        self, account_id: str, body: Row, *, user: str, at: datetime | None = None
    ) -> Row:
        return self._package_row(self.add_package(account_id, body, user=user, at=at))

    @locked
    def add_package(
        self, account_id: str, body: Row, *, user: str, at: datetime | None = None
    ) -> PackagedComponent:
        component_id = body_text(body, "componentId")
        if not component_id:
            raise bad_request("componentId is required.")
        branch_name = body_text(body, "branchName") or MAIN_BRANCH_NAME
        branch = self._branch_by_name(account_id, branch_name)
        if branch is None:
            raise bad_request(f"Branch {branch_name!r} does not exist.")
        record = self._record(account_id, component_id)
        root = self._view(branch, record) if record is not None else None
        if root is None or root.deleted:
            raise bad_request(f"Component {component_id} does not exist on branch {branch_name}.")
        if root.type not in PACKAGEABLE_TYPES:
            raise bad_request(f"Components of type {root.type} cannot be packaged.")
        requested_type = body_text(body, "componentType")
        if requested_type and requested_type != root.type:
            raise bad_request(
                f"componentType {requested_type} does not match the component ({root.type})."
            )
        taken = {
            p.package_version
            for p in self.packages.values()
            if p.component_id == component_id and not p.deleted
        }
        package_version = body_text(body, "packageVersion")
        if package_version in taken:
            raise bad_request(
                f"Package version {package_version} already exists for component {component_id}."
            )
        if not package_version:
            package_version = f"{root.version}.0"
            suffix = 0
            while package_version in taken:
                suffix += 1
                package_version = f"{root.version}.{suffix}"
        shareable = body.get("shareable", False)
        if not isinstance(shareable, bool):
            raise bad_request("shareable must be true or false.")
        package = PackagedComponent(
            package_id=self.new_uuid(),
            account_id=account_id,
            component_id=component_id,
            component_version=root.version,
            component_type=root.type,
            package_version=package_version,
            branch_name=branch.name,
            notes=body_text(body, "notes"),
            shareable=shareable,
            created_by=user,
            created_date=self._now(at),
            snapshot=self._dependency_snapshot(root, branch),
        )
        self.packages[package.package_id] = package
        return package

    @locked
    def get_package(self, account_id: str, package_id: str) -> Row:
        package = self.packages.get(package_id)
        if package is None or package.account_id != account_id:
            raise not_found(f"Packaged component {package_id} was not found.")
        return self._package_row(package)
