"""Folder mirroring: ``/Promoted`` + the dev path, found or created parents first, once per run."""

from __future__ import annotations

from boomi_promo.boomi.models import Folder
from boomi_promo.engine.folders import FolderMirror, promoted_path


class FakeFolders:
    """An account's folders by full path, recording every call the mirror makes."""

    def __init__(self, *existing: str) -> None:
        self.root = Folder(id="F0", name="Primary Account", full_path="Primary Account")
        self.by_path = {self.root.full_path or "": self.root}
        self.calls: list[str] = []
        for path in existing:
            self._add(path)

    def _add(self, full_path: str) -> Folder:
        parent_path, _, name = full_path.rpartition("/")
        parent = self.by_path[parent_path]
        folder = Folder(
            id=f"F{len(self.by_path)}", name=name, parent_id=parent.id, full_path=full_path
        )
        self.by_path[full_path] = folder
        return folder

    async def root_folder(self) -> Folder:
        self.calls.append("root")
        return self.root

    async def find_folder(self, full_path: str) -> Folder | None:
        self.calls.append(f"find {full_path}")
        return self.by_path.get(full_path)

    async def create_folder(self, name: str, parent_id: str) -> Folder:
        parent = next(f for f in self.by_path.values() if f.id == parent_id)
        self.calls.append(f"create {name} in {parent.full_path}")
        return self._add(f"{parent.full_path}/{name}")


def test_the_dev_accounts_root_folder_is_replaced_by_promoted() -> None:
    assert promoted_path("Dev Team A/DevTeamA/Orders/Maps") == [
        "Promoted",
        "DevTeamA",
        "Orders",
        "Maps",
    ]
    assert promoted_path("Dev Team A") == ["Promoted"]


async def test_missing_folders_are_created_parents_first() -> None:
    folders = FakeFolders("Primary Account/Promoted")
    mirror = FolderMirror(folders)

    folder_id = await mirror.folder_for("Dev Team A/DevTeamA/Orders")

    assert folders.by_path["Primary Account/Promoted/DevTeamA/Orders"].id == folder_id
    assert [c for c in folders.calls if c.startswith("create")] == [
        "create DevTeamA in Primary Account/Promoted",
        "create Orders in Primary Account/Promoted/DevTeamA",
    ]


async def test_each_folder_is_looked_up_once_per_run() -> None:
    folders = FakeFolders("Primary Account/Promoted", "Primary Account/Promoted/DevTeamA")
    mirror = FolderMirror(folders)

    first = await mirror.folder_for("Dev Team A/DevTeamA/Orders/Maps")
    again = await mirror.folder_for("Dev Team A/DevTeamA/Orders/Maps")
    sibling = await mirror.folder_for("Dev Team A/DevTeamA/Orders/Profiles")

    assert first == again != sibling
    lookups = [c for c in folders.calls if not c.startswith("create")]
    assert lookups == [
        "root",
        "find Primary Account/Promoted",
        "find Primary Account/Promoted/DevTeamA",
        "find Primary Account/Promoted/DevTeamA/Orders",
        "find Primary Account/Promoted/DevTeamA/Orders/Maps",
        "find Primary Account/Promoted/DevTeamA/Orders/Profiles",
    ]
    assert sum(1 for c in folders.calls if c.startswith("create")) == 3
