"""The Component documents a promotion writes, read ahead in the dev account.

The walk of a promotion only outlines the tree (:func:`~boomi_promo.engine.tree.
resolve_tree_outline`); each document is read here once, pinned to the version the walk saw,
in write order and a few at a time. Reading starts as soon as the write order is known. A
promotion looks at every document for secrets before it changes anything (issue 14), so the
reads finish before the branch is created; the plan reads the same way while it looks up the
primary account, which has its own rate limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol

from boomi_promo.boomi.models import Component
from boomi_promo.engine.tree import DependencyTree

READ_AHEAD = 4
"""Document reads in flight at once."""


class DocumentSource(Protocol):
    async def get_component(
        self,
        component_id: str,
        *,
        version: int | None = None,
        override_account: str | None = None,
    ) -> Component: ...


class DocumentPrefetch:
    """Reads the documents of ``component_ids`` (in that order) once :meth:`start` is called."""

    def __init__(
        self,
        source: DocumentSource,
        dev_account_id: str,
        tree: DependencyTree,
        *,
        concurrency: int = READ_AHEAD,
    ) -> None:
        self._source = source
        self._account = dev_account_id
        self._tree = tree
        self._slots = asyncio.Semaphore(concurrency)
        self._reads: dict[str, asyncio.Task[bytes]] = {}

    def start(self, component_ids: Iterable[str]) -> None:
        # Tasks queue on the semaphore in creation order, so the first writes' documents
        # arrive first.
        for component_id in component_ids:
            if component_id not in self._reads:
                self._reads[component_id] = asyncio.create_task(self._read(component_id))

    async def xml_of(self, component_id: str) -> bytes:
        """The document of a component (read now if it was not started)."""
        self.start([component_id])
        return await asyncio.shield(self._reads[component_id])

    async def aclose(self) -> None:
        """Stop reads nobody will use; a read's failure was already given to its writer."""
        for read in self._reads.values():
            read.cancel()
        await asyncio.gather(*self._reads.values(), return_exceptions=True)

    async def _read(self, component_id: str) -> bytes:
        async with self._slots:
            document = await self._source.get_component(
                component_id,
                version=self._tree.components[component_id].version,
                override_account=self._account,
            )
        return document.xml
