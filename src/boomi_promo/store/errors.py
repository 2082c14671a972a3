"""Errors the store raises in terms of the product rather than of the database."""

from __future__ import annotations


class StoreError(Exception):
    """Base of the store's own errors."""


class ConcurrentPromotionError(StoreError):
    """The dev account already has an IN_PROGRESS promotion (SPEC §5.2)."""

    def __init__(self, dev_account_id: str) -> None:
        super().__init__(
            f"Dev account {dev_account_id} already has a promotion in progress; "
            "wait for it to finish before starting another."
        )
        self.dev_account_id = dev_account_id


class JobNotFoundError(StoreError):
    """No job has this id."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"No job with id {job_id}.")
        self.job_id = job_id
