"""Repositories: every query the product makes against the store, one module per aggregate.

They return the ORM rows of :mod:`boomi_promo.store.tables` (plain dataclasses with typed
constructors), or a :class:`~.base.Page` of them, and never commit: the
:class:`~boomi_promo.store.uow.UnitOfWork` that owns the session decides. JSON columns are
not change-tracked in place; assign a new value to change one.
"""
