"""Component documents read ahead: the dev documents a promotion writes, and the production
versions its branch starts from.

With bulk reads a promotion's walk reads the documents itself (:func:`~boomi_promo.engine.
tree.resolve_tree`, five a call) and they are simply handed over here. Otherwise the walk only
outlines the tree (:func:`~boomi_promo.engine.tree.resolve_tree_outline`) and each dev document
is read here once, pinned to the version the walk saw (``id~version``), in write order, a few
at a time (the shared rate limiter paces them): with bulk reads five a call, else one.
Reading starts as soon as the write order is known. A promotion looks at every document
for secrets before it changes anything (issue 14), so the reads finish before the branch is
created; the plan reads the same way while it looks up the primary account, which has its own
rate limit.

:func:`read_base_documents` reads the production side of the delta (issue 16): each mapped
component as main holds it, or as a branch does (``id~branchId``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Protocol

from boomi_promo.boomi.client import BULK_COMPONENT_MAX
from boomi_promo.boomi.errors import BoomiError, BoomiNotFoundError
from boomi_promo.boomi.models import BulkItem, Component
from boomi_promo.engine.tree import DependencyTree

READ_AHEAD = 4
"""Reads (bulk or single) in flight at once."""


class DocumentSource(Protocol):
    async def get_component(
        self,
        component_id: str,
        *,
        version: int | None = None,
        branch_id: str | None = None,
        override_account: str | None = None,
    ) -> Component: ...

    async def bulk_get_components(
        self, component_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[Component]]: ...


class DocumentPrefetch:
    """Reads the documents of ``component_ids`` (in that order) once :meth:`start` is called."""

    def __init__(
        self,
        source: DocumentSource,
        dev_account_id: str,
        tree: DependencyTree,
        *,
        concurrency: int = READ_AHEAD,
        bulk: bool = True,
    ) -> None:
        self._source = source
        self._account = dev_account_id
        self._tree = tree
        self._bulk = bulk
        self._slots = asyncio.Semaphore(concurrency)
        self._documents: dict[str, asyncio.Future[bytes]] = {}
        self._reads: list[asyncio.Task[None]] = []
        loop = asyncio.get_running_loop()
        for component_id, component in tree.components.items():
            # A walk that read the documents already (resolve_tree) left them here: the version
            # it walked is the one it read, so no document is read twice.
            if component.xml:
                self._documents[component_id] = loop.create_future()
                self._documents[component_id].set_result(component.xml)

    def start(self, component_ids: Iterable[str]) -> None:
        # Reads queue on the semaphore in creation order, so the first writes' documents
        # arrive first.
        new = [cid for cid in dict.fromkeys(component_ids) if cid not in self._documents]
        loop = asyncio.get_running_loop()
        for component_id in new:
            self._documents[component_id] = loop.create_future()
        size = BULK_COMPONENT_MAX if self._bulk else 1
        for start in range(0, len(new), size):
            self._reads.append(asyncio.create_task(self._read(new[start : start + size])))

    async def xml_of(self, component_id: str) -> bytes:
        """The document of a component (read now if it was not started)."""
        self.start([component_id])
        return await asyncio.shield(self._documents[component_id])

    async def aclose(self) -> None:
        """Stop reads nobody will use; a read's failure was already given to its writer."""
        for read in self._reads:
            read.cancel()
        await asyncio.gather(*self._reads, return_exceptions=True)
        for document in self._documents.values():
            if not document.done():
                document.cancel()
            elif not document.cancelled():
                document.exception()  # seen: an unread failure is not reported as lost

    async def _read(self, component_ids: list[str]) -> None:
        try:
            async with self._slots:
                found = await (self._read_bulk if self._bulk else self._read_each)(component_ids)
            # An id the bulk answer did not give is read on its own: Boomi's reason, or an
            # account that takes no ``id~version`` in a bulk GET, costs a call for it only.
            missing = [cid for cid in component_ids if cid not in found]
            if missing:
                async with self._slots:
                    found.update(await self._read_each(missing))
        except BaseException as exc:
            for component_id in component_ids:
                self._fail(component_id, exc)
            if not isinstance(exc, Exception):
                raise
            return
        for component_id, outcome in found.items():
            if isinstance(outcome, BaseException):
                self._fail(component_id, outcome)
            else:
                self._documents[component_id].set_result(outcome)

    async def _read_each(self, component_ids: list[str]) -> dict[str, bytes | BoomiError]:
        found: dict[str, bytes | BoomiError] = {}
        for component_id in component_ids:
            try:
                document = await self._source.get_component(
                    component_id,
                    version=self._tree.components[component_id].version,
                    override_account=self._account,
                )
            except BoomiError as exc:
                found[component_id] = exc
            else:
                found[component_id] = document.xml
        return found

    async def _read_bulk(self, component_ids: list[str]) -> dict[str, bytes | BoomiError]:
        refs = [_pinned(cid, self._tree.components[cid].version) for cid in component_ids]
        items = await self._source.bulk_get_components(refs, override_account=self._account)
        return {
            component_id: item.result.xml
            for component_id, item in zip(component_ids, items, strict=True)
            if item.result is not None
        }

    def _fail(self, component_id: str, exc: BaseException) -> None:
        document = self._documents[component_id]
        if not document.done():
            if isinstance(exc, asyncio.CancelledError):
                document.cancel()
            else:
                document.set_exception(exc)


async def read_base_documents(
    source: DocumentSource,
    component_ids: Sequence[str],
    *,
    branch_id: str | None = None,
    bulk: bool = True,
    concurrency: int = READ_AHEAD,
) -> dict[str, Component | None]:
    """Each component of the primary account as main holds it (``branch_id`` ``None``) or as
    the branch does; ``None`` for one that is not there.

    Bulk reads name a branch with the tilde syntax Boomi's GET takes (``id~branchId``); an
    id the bulk answer does not give (an account that refuses the tilde there, a component
    missing) is read again on its own, so a refusal costs a call only for those ids.
    """
    slots = asyncio.Semaphore(concurrency)
    found: dict[str, Component | None] = {}

    async def one(component_id: str) -> None:
        async with slots:
            try:
                found[component_id] = await source.get_component(component_id, branch_id=branch_id)
            except BoomiNotFoundError:
                found[component_id] = None

    async def chunk(ids: list[str]) -> None:
        refs = [f"{cid}~{branch_id}" if branch_id else cid for cid in ids]
        async with slots:
            items = await source.bulk_get_components(refs)
        for component_id, item in zip(ids, items, strict=True):
            if item.result is not None:
                found[component_id] = item.result
        await asyncio.gather(*(one(cid) for cid in ids if cid not in found))

    ids = list(dict.fromkeys(component_ids))
    if bulk:
        batches = [ids[i : i + BULK_COMPONENT_MAX] for i in range(0, len(ids), BULK_COMPONENT_MAX)]
        await asyncio.gather(*(chunk(batch) for batch in batches))
    else:
        await asyncio.gather(*(one(cid) for cid in ids))
    return {cid: found.get(cid) for cid in ids}


def _pinned(component_id: str, version: int | None) -> str:
    return f"{component_id}~{version}" if version is not None else component_id
