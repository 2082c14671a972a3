"""The builder: :class:`Seeder` writes through the state operations the API uses, and
:class:`Author` writes one account's components and packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from boomi_promo.emulator.component_xml import BNS, ComponentDocument
from boomi_promo.emulator.records import EncryptedValue, Revision
from boomi_promo.emulator.state.world import EmulatorState


class Seeder:
    """Writes through the state's own operations and remembers every secret it plants."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.secrets: list[str] = []

    def secret(self, value: str) -> str:
        self.secrets.append(value)
        return value

    def folder(self, account_id: str, path: str) -> str:
        """Folder id of ``path`` below the account's root, creating missing folders."""
        parent_id = self.state.accounts[account_id].root_folder_id
        full = self.state.folder_path(self.state.folders[parent_id])
        for name in path.split("/"):
            full = f"{full}/{name}"
            existing = self.state.find_folder(account_id, full)
            if existing is not None:
                parent_id = existing.folder_id
            else:
                body = {"name": name, "parentId": parent_id}
                parent_id = self.state.create_folder(account_id, body)["id"]
        return parent_id

    def author(self, account_id: str, user: str, at: datetime) -> Author:
        return Author(self, account_id, user, at)


@dataclass
class Author:
    """One developer writing in one account at one moment (``at`` may be moved on)."""

    seeder: Seeder
    account_id: str
    user: str
    at: datetime

    def add(
        self,
        folder: str,
        name: str,
        type_: str,
        content: str,
        *,
        sub_type: str = "",
        encrypted: tuple[EncryptedValue, ...] = (),
    ) -> str:
        overrides = f'<bns:processOverrides xmlns:bns="{BNS}"/>' if type_ == "process" else ""
        document = ComponentDocument(
            component_id="",
            name=name,
            type=type_,
            sub_type=sub_type,
            folder_id=self.seeder.folder(self.account_id, folder),
            branch_id="",
            description=f"{name} ({type_})",
            encrypted_values=encrypted,
            object_xml=content,
            process_overrides_xml=overrides,
        )
        return self._write(document, None).component_id

    def update(
        self, component_id: str, content: str | None = None, *, description: str | None = None
    ) -> None:
        """A new version with new content, or a new description, or both."""
        current = self.seeder.state.component_view(self.account_id, component_id).revision
        document = ComponentDocument(
            component_id=component_id,
            name=current.name,
            type=current.type,
            sub_type=current.sub_type,
            folder_id=current.folder_id,
            branch_id="",
            description=current.description if description is None else description,
            encrypted_values=current.encrypted_values,
            object_xml=current.object_xml if content is None else content,
            process_overrides_xml=current.process_overrides_xml,
        )
        self._write(document, component_id)

    def _write(self, document: ComponentDocument, component_id: str | None) -> Revision:
        view = self.seeder.state.apply_write(
            self.account_id,
            document,
            path_component_id=component_id,
            path_branch_id=None,
            user=self.user,
            at=self.at,
        )
        return view.revision

    def package(self, component_id: str, version: str, notes: str) -> str:
        body = {
            "componentId": component_id,
            "packageVersion": version,
            "notes": notes,
            "shareable": True,
        }
        moment = self.at + timedelta(minutes=30)
        return self.seeder.state.add_package(
            self.account_id, body, user=self.user, at=moment
        ).package_id
