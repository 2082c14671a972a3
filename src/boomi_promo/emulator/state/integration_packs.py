"""Publisher Integration Packs and the packages they hold."""

from __future__ import annotations

from boomi_promo.emulator.errors import bad_request, not_found
from boomi_promo.emulator.records import IntegrationPack, PackagedComponent, PackMember
from boomi_promo.emulator.state.core import (
    INSTALLATION_TYPES,
    PACK_OPERATIONS,
    Row,
    body_text,
    locked,
    wrap_items,
    wrapped_items,
)
from boomi_promo.emulator.state.environments import EnvironmentsState


class IntegrationPacksState(EnvironmentsState):
    def _shareable_packages(self, account_id: str, component_id: str) -> list[PackagedComponent]:
        """The component's packages that may go into a pack, oldest first."""
        return [
            p
            for p in self.packages.values()
            if p.account_id == account_id
            and p.component_id == component_id
            and p.shareable
            and not p.deleted
        ]

    def _member_row(self, pack: IntegrationPack, member: PackMember) -> Row:
        packages = self._shareable_packages(pack.account_id, member.component_id)
        row: Row = {"@type": "PublisherPackagedComponent", "componentId": member.component_id}
        if packages:
            latest = packages[-1]
            record = self.components[member.component_id]
            row["componentName"] = record.revisions[latest.component_version].name
            row["componentType"] = latest.component_type
        if member.released_version is not None:
            row["currentVersion"] = member.released_version
        if packages and packages[-1].package_version != member.released_version:
            row["pendingVersion"] = packages[-1].package_version
        if packages:
            row["latestVersion"] = packages[-1].package_version
        row["deleted"] = member.deleted
        return row

    def _publisher_pack_row(self, pack: IntegrationPack) -> Row:
        return {
            "@type": "PublisherIntegrationPack",
            "id": pack.pack_id,
            "name": pack.name,
            "Description": pack.description,
            "installationType": pack.installation_type,
            "PublisherPackagedComponents": wrap_items(
                "PublisherPackagedComponents",
                "PublisherPackagedComponent",
                [self._member_row(pack, m) for m in pack.members],
            ),
        }

    def _publisher_pack(self, account_id: str, pack_id: str) -> IntegrationPack | None:
        pack = self.integration_packs.get(pack_id)
        if pack is None or pack.account_id != account_id or pack.deleted:
            return None
        return pack

    def _check_pack_name(self, account_id: str, name: str, *, renaming: str | None = None) -> None:
        if not name:
            raise bad_request("An integration pack needs a name.")
        for other in self.integration_packs.values():
            if (
                other.account_id == account_id
                and not other.deleted
                and other.pack_id != renaming
                and other.name.lower() == name.lower()
            ):
                raise bad_request(f"An integration pack named {name!r} already exists.")

    @staticmethod
    def _description(body: Row) -> str | None:
        if "description" in body and "Description" not in body:
            raise bad_request("The pack's description field is 'Description' (capital D).")
        return body_text(body, "Description") if "Description" in body else None

    @locked
    def create_publisher_pack(self, account_id: str, body: Row, *, user: str) -> Row:
        name = body_text(body, "name")
        self._check_pack_name(account_id, name)
        installation_type = body_text(body, "installationType")
        if installation_type not in INSTALLATION_TYPES:
            raise bad_request("installationType must be SINGLE or MULTI.")
        pack = IntegrationPack(
            pack_id=self.new_uuid(),
            account_id=account_id,
            name=name,
            description=self._description(body) or "",
            installation_type=installation_type,
            created_by=user,
            created_date=self._now(),
        )
        self._add_members(pack, self._listed_components(body))
        self.integration_packs[pack.pack_id] = pack
        return self._publisher_pack_row(pack)

    @locked
    def get_publisher_pack(self, account_id: str, pack_id: str) -> Row:
        pack = self._publisher_pack(account_id, pack_id)
        if pack is None:
            raise not_found(f"Integration pack {pack_id} was not found.")
        return self._publisher_pack_row(pack)

    @staticmethod
    def _listed_components(body: Row) -> list[str]:
        entries = wrapped_items(body, "PublisherPackagedComponents", "PublisherPackagedComponent")
        component_ids = [body_text(entry, "componentId") for entry in entries]
        if not all(component_ids):
            raise bad_request("Every PublisherPackagedComponent needs a componentId.")
        if len(set(component_ids)) != len(component_ids):
            raise bad_request("A component is listed more than once.")
        return component_ids

    def _add_members(self, pack: IntegrationPack, component_ids: list[str]) -> None:
        """Add components (all or none); re-adding a member undoes a pending removal."""
        for component_id in component_ids:
            if not self._shareable_packages(pack.account_id, component_id):
                raise bad_request(
                    f"Component {component_id} has no shareable packaged component; package it "
                    "with shareable=true before adding it to an integration pack."
                )
        members = {m.component_id: m for m in pack.members}
        for component_id in component_ids:
            if component_id in members:
                members[component_id].deleted = False
            else:
                pack.members.append(PackMember(component_id))

    def _replace_members(self, pack: IntegrationPack, component_ids: list[str]) -> None:
        """The listed components become the pack's list: Boomi's update deletes every packaged
        component it does not list (they leave at the next release, as a removal does)."""
        self._add_members(pack, component_ids)
        listed = set(component_ids)
        for member in pack.members:
            if member.component_id not in listed:
                member.deleted = True

    @locked
    def update_publisher_pack(self, account_id: str, pack_id: str, body: Row) -> Row:
        """``operationType: ADD`` (or no operation, for a name or description change): the
        listed components are the pack's list afterwards, and any member left out is removed.
        ``DELETE`` removes the listed members only. Removals take effect at the next release."""
        pack = self._publisher_pack(account_id, pack_id)
        if pack is None:
            raise not_found(f"Integration pack {pack_id} was not found.")
        if body_text(body, "id") and body_text(body, "id") != pack_id:
            raise bad_request("The id in the body does not match the integration pack in the path.")
        installation_type = body_text(body, "installationType")
        if installation_type and installation_type != pack.installation_type:
            raise bad_request("The installationType of an integration pack cannot change.")
        name = body_text(body, "name")
        if name and name != pack.name:
            if pack.installation_type != "SINGLE":
                raise bad_request("Only a SINGLE integration pack can be renamed.")
            self._check_pack_name(account_id, name, renaming=pack_id)
        operation = body_text(body, "operationType")
        component_ids = self._listed_components(body)
        if (component_ids or operation) and operation not in PACK_OPERATIONS:
            raise bad_request("operationType must be ADD or DELETE when components are listed.")
        if operation == "DELETE":
            members = {m.component_id: m for m in pack.members if not m.deleted}
            missing = [c for c in component_ids if c not in members]
            if missing:
                raise bad_request(f"Components {missing} are not in integration pack {pack_id}.")
            for component_id in component_ids:
                members[component_id].deleted = True
        else:
            # ADD, or a change of name or description alone: the update lists every packaged
            # component the pack keeps; one it leaves out is deleted (Boomi's documented rule).
            self._replace_members(pack, component_ids)
        if name:
            pack.name = name
        description = self._description(body)
        if description is not None:
            pack.description = description
        return self._publisher_pack_row(pack)

    @locked
    def delete_publisher_pack(self, account_id: str, pack_id: str) -> None:
        pack = self._publisher_pack(account_id, pack_id)
        if pack is None:
            raise not_found(f"Integration pack {pack_id} was not found.")
        pack.deleted = True

    def _available_packs(self, account_id: str) -> list[IntegrationPack]:
        """Released packs the account published, or its parents published for it to install."""
        return [
            p
            for p in self.integration_packs.values()
            if p.released
            and not p.deleted
            and (p.account_id == account_id or self.is_descendant(account_id, p.account_id))
        ]

    @staticmethod
    def _integration_pack_row(pack: IntegrationPack) -> Row:
        return {
            "@type": "IntegrationPack",
            "id": pack.pack_id,
            "name": pack.name,
            "Description": pack.description,
            "installationType": pack.installation_type,
        }

    @locked
    def get_integration_pack(self, account_id: str, pack_id: str) -> Row:
        for pack in self._available_packs(account_id):
            if pack.pack_id == pack_id:
                return self._integration_pack_row(pack)
        raise not_found(f"Integration pack {pack_id} was not found.")
