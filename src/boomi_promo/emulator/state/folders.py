"""Folders and their full paths."""

from __future__ import annotations

from boomi_promo.emulator import ids
from boomi_promo.emulator.errors import bad_request, not_found
from boomi_promo.emulator.records import Folder
from boomi_promo.emulator.state.accounts import AccountsState
from boomi_promo.emulator.state.core import Row, body_text, locked


class FoldersState(AccountsState):
    def folder_path(self, folder: Folder) -> str:
        names = [folder.name]
        while folder.parent_id is not None:
            folder = self.folders[folder.parent_id]
            names.append(folder.name)
        return "/".join(reversed(names))

    def _folder(self, account_id: str, folder_id: str) -> Folder | None:
        folder = self.folders.get(folder_id)
        if folder is None or folder.account_id != account_id or folder.deleted:
            return None
        return folder

    def _folder_row(self, folder: Folder) -> Row:
        row: Row = {"@type": "Folder", "id": folder.folder_id, "name": folder.name}
        row["fullPath"] = self.folder_path(folder)
        if folder.parent_id is not None:
            row["parentId"] = folder.parent_id
            row["parentName"] = self.folders[folder.parent_id].name
        row["deleted"] = folder.deleted
        return row

    @locked
    def create_folder(self, account_id: str, body: Row) -> Row:
        name = body_text(body, "name")
        if not name or "/" in name:
            raise bad_request("A folder needs a name without '/'.")
        parent_id = body_text(body, "parentId") or self.accounts[account_id].root_folder_id
        parent = self._folder(account_id, parent_id)
        if parent is None:
            raise bad_request(f"Parent folder {parent_id} does not exist.")
        for sibling in self.folders.values():
            if (
                sibling.parent_id == parent_id
                and not sibling.deleted
                and sibling.name.lower() == name.lower()
            ):
                raise bad_request(
                    f"A folder named {name!r} already exists in {self.folder_path(parent)}."
                )
        self.folder_sequence += 1
        folder = Folder(ids.folder_id(self.folder_sequence), account_id, name, parent_id)
        self.folders[folder.folder_id] = folder
        return self._folder_row(folder)

    @locked
    def get_folder(self, account_id: str, folder_id: str) -> Row:
        folder = self._folder(account_id, folder_id)
        if folder is None:
            raise not_found(f"Folder {folder_id} was not found.")
        return self._folder_row(folder)

    @locked
    def find_folder(self, account_id: str, full_path: str) -> Folder | None:
        for folder in self.folders.values():
            if (
                folder.account_id == account_id
                and not folder.deleted
                and self.folder_path(folder) == full_path
            ):
                return folder
        return None
