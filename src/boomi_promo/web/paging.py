"""One page of a longer list, as the dashboard's pagers show it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class PageView(Generic[ItemT]):
    items: list[ItemT]
    total: int
    """Items across all pages."""
    number: int
    size: int

    @property
    def count(self) -> int:
        """How many pages there are; at least 1, so an empty list is "page 1 of 1"."""
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count
