"""Mirroring dev folders under ``/Promoted`` in the primary account, through the Folder API.

Boomi's folder ``fullPath`` starts with the account's root folder (named after the account):
``Dev Team A/DevTeamA/Orders`` in a dev account is mirrored as
``Primary Account/Promoted/DevTeamA/Orders``. Components are placed by ``folderId``
(``folderFullPath`` is read only), so every folder of the path is found by its full path or
created under its parent, parents first. One mirror serves one promotion run and remembers
every folder it found or made.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.models import Folder
from boomi_promo.boomi.query import Operator, QueryFilter

PROMOTED_FOLDER = "Promoted"


class FolderApi(Protocol):
    async def root_folder(self) -> Folder: ...

    async def find_folder(self, full_path: str) -> Folder | None: ...

    async def create_folder(self, name: str, parent_id: str) -> Folder: ...


class BoomiFolders:
    """:class:`FolderApi` over the Boomi client, in the primary account."""

    def __init__(self, boomi: BoomiClient) -> None:
        self._boomi = boomi

    async def root_folder(self) -> Folder:
        roots = self._boomi.query_folders(QueryFilter.where("parentId", Operator.IS_NULL))
        async for folder in roots:
            if not folder.deleted:
                return folder
        raise LookupError("the primary account has no root folder")

    async def find_folder(self, full_path: str) -> Folder | None:
        matches = self._boomi.query_folders(
            QueryFilter.where("fullPath", Operator.EQUALS, full_path)
        )
        async for folder in matches:
            if not folder.deleted and folder.full_path == full_path:
                return folder
        return None

    async def create_folder(self, name: str, parent_id: str) -> Folder:
        return await self._boomi.create_folder(name, parent_id)


def promoted_path(dev_folder_full_path: str) -> list[str]:
    """Folder names below the primary's root for a dev folder: ``Promoted`` + the dev path.

    The dev path loses its first name (the dev account's root folder).
    """
    names = [name for name in dev_folder_full_path.split("/") if name.strip()]
    return [PROMOTED_FOLDER, *names[1:]]


class FolderMirror:
    def __init__(self, api: FolderApi) -> None:
        self._api = api
        self._ids: dict[str, str] = {}
        self._root: Folder | None = None
        # Components are written one at a time, but a lock keeps two lookups of a new path
        # from both creating it.
        self._lock = asyncio.Lock()

    async def folder_for(self, dev_folder_full_path: str) -> str:
        """The id of the mirrored folder of ``dev_folder_full_path``, created when missing."""
        async with self._lock:
            if self._root is None:
                self._root = await self._api.root_folder()
            parent_id = self._root.id
            full_path = self._root.full_path or self._root.name or ""
            for name in promoted_path(dev_folder_full_path):
                full_path = f"{full_path}/{name}"
                known = self._ids.get(full_path)
                if known is None:
                    folder = await self._api.find_folder(full_path)
                    if folder is None:
                        folder = await self._api.create_folder(name, parent_id)
                    known = self._ids[full_path] = folder.id
                parent_id = known
            return parent_id
