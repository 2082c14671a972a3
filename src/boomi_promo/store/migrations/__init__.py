"""Alembic migrations of the store, run through :mod:`boomi_promo.store.migrate`."""
