"""Every action, by name: imports each action module so that its ``@action`` registration runs.

Kept apart from :mod:`.registry`, which the action modules import to register themselves.
"""

from __future__ import annotations

from boomi_promo.actions.registry import ACTIONS, ActionSpec


def get_action(name: str) -> ActionSpec | None:
    load_actions()
    return ACTIONS.get(name)


def all_actions() -> list[ActionSpec]:
    load_actions()
    return list(ACTIONS.values())


def load_actions() -> None:
    """Import every action module so that its ``@action`` registrations run."""
    from boomi_promo.actions import (  # noqa: F401
        accounts,
        admin_setup,
        dependencies,
        deployment,
        diff,
        extension_copy,
        extension_updates,
        extensions,
        map_extension_updates,
        mappings,
        notifications,
        packages,
        packs,
        plan,
        promotion,
        releases,
        reviews,
        rollback,
        scripts,
        secret_allowlist,
        status,
    )
