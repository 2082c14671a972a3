"""Mirroring dev folders under ``/Promoted`` in the primary account, through the Folder API.

Boomi's folder ``fullPath`` starts with the account's root folder (named after the account):
``Dev Team A/DevTeamA/Orders`` in a dev account is mirrored as
``Primary Account/Promoted/DevTeamA/Orders``. Components are placed by ``folderId``
(``folderFullPath`` is read only), so every folder of the path is found or created under its
parent, parents first. Boomi's Folder query cannot filter on ``fullPath`` (not a query
property in its OpenAPI document): folders are looked up by ``name`` and told apart by the
``fullPath`` each answer carries. One mirror serves one promotion run and remembers
every folder it found or made; :meth:`FolderMirror.prepare` resolves a run's folders up front,
looking all of them up in one query when the API can search by several paths.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.models import Folder
from boomi_promo.boomi.query import Operator, QueryFilter

PROMOTED_FOLDER = "Promoted"
SEARCH_BATCH = 100
"""Paths per Folder query: one page of answers."""


class FolderApi(Protocol):
    async def root_folder(self) -> Folder: ...

    async def find_folder(self, full_path: str) -> Folder | None: ...

    async def create_folder(self, name: str, parent_id: str) -> Folder: ...


class FolderSearch(Protocol):
    async def find_folders(self, full_paths: Iterable[str]) -> dict[str, Folder]:
        """The live folders among ``full_paths``, by full path (missing ones left out)."""
        ...


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
            QueryFilter.where("name", Operator.EQUALS, _name_of(full_path))
        )
        async for folder in matches:
            if not folder.deleted and folder.full_path == full_path:
                return folder
        return None

    async def find_folders(self, full_paths: Iterable[str]) -> dict[str, Folder]:
        wanted = sorted(set(full_paths))
        found: dict[str, Folder] = {}
        for start in range(0, len(wanted), SEARCH_BATCH):
            batch = wanted[start : start + SEARCH_BATCH]
            names = sorted({_name_of(path) for path in batch})
            by_name = [QueryFilter.where("name", Operator.EQUALS, name) for name in names]
            async for folder in self._boomi.query_folders(by_name[0].or_(*by_name[1:])):
                if not folder.deleted and folder.full_path in batch:
                    found[folder.full_path] = folder
        return found

    async def create_folder(self, name: str, parent_id: str) -> Folder:
        return await self._boomi.create_folder(name, parent_id)


def promoted_path(dev_folder_full_path: str) -> list[str]:
    """Folder names below the primary's root for a dev folder: ``Promoted`` + the dev path.

    The dev path loses its first name (the dev account's root folder).
    """
    names = [name for name in dev_folder_full_path.split("/") if name.strip()]
    return [PROMOTED_FOLDER, *names[1:]]


class FolderMirror:
    def __init__(self, api: FolderApi, *, search: FolderSearch | None = None) -> None:
        self._api = api
        self._search = search
        self._ids: dict[str, str] = {}
        self._absent: set[str] = set()
        """Paths a search found missing: created without another lookup."""
        self._root: Folder | None = None
        # Components are written concurrently: a lock keeps two lookups of a new path from
        # both creating it.
        self._lock = asyncio.Lock()

    async def prepare(self, dev_folder_full_paths: Iterable[str]) -> None:
        """Find or create the mirrors of all these dev folders now (one search when the API
        has it), so the writes that follow find every folder id known."""
        dev_paths = sorted(set(dev_folder_full_paths))
        if self._search is not None:
            async with self._lock:
                base = _path_of(await self._root_folder())
                wanted = {
                    full_path
                    for dev_path in dev_paths
                    for full_path in _mirror_paths(base, dev_path)
                    if full_path not in self._ids
                }
                found = await self._search.find_folders(wanted)
                self._ids.update({path: folder.id for path, folder in found.items()})
                self._absent.update(wanted - set(found))
        for dev_path in dev_paths:
            await self.folder_for(dev_path)

    async def folder_for(self, dev_folder_full_path: str) -> str:
        """The id of the mirrored folder of ``dev_folder_full_path``, created when missing."""
        async with self._lock:
            root = await self._root_folder()
            parent_id = root.id
            for full_path in _mirror_paths(_path_of(root), dev_folder_full_path):
                known = self._ids.get(full_path)
                if known is None:
                    folder = None
                    if full_path not in self._absent:
                        folder = await self._api.find_folder(full_path)
                    if folder is None:
                        name = full_path.rsplit("/", 1)[1]
                        folder = await self._api.create_folder(name, parent_id)
                    known = self._ids[full_path] = folder.id
                parent_id = known
            return parent_id

    async def _root_folder(self) -> Folder:
        if self._root is None:
            self._root = await self._api.root_folder()
        return self._root


def _name_of(full_path: str) -> str:
    return full_path.rsplit("/", 1)[-1]


def _path_of(folder: Folder) -> str:
    return folder.full_path or folder.name or ""


def _mirror_paths(root_path: str, dev_folder_full_path: str) -> list[str]:
    """Full paths of every folder of the mirror of a dev folder, parents first."""
    paths: list[str] = []
    full_path = root_path
    for name in promoted_path(dev_folder_full_path):
        full_path = f"{full_path}/{name}"
        paths.append(full_path)
    return paths
