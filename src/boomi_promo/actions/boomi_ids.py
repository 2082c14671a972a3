"""The shape of a Boomi id in request profiles, checked before any call reaches Boomi.

Boomi's ids are GUIDs (components, packages, environments, packs), account ids such as
``acme-AB12CD``, and unpadded URL-safe base64 (branches, folders, map extensions): letters,
digits, ``-`` and ``_`` only. Anything else (``../``, ``%``, ``~`` revision syntax, spaces,
non-ASCII) would change the meaning of the URL path it goes into, so it is refused as
``INVALID_REQUEST`` naming the field instead of being sent.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints

from boomi_promo.store.tables import ID

BOOMI_ID_PATTERN = r"^[A-Za-z0-9_-]+$"
BOOMI_ID_RULE = "a GUID, or letters, digits, '-' and '_'"

BoomiId = Annotated[str, StringConstraints(min_length=1, max_length=ID, pattern=BOOMI_ID_PATTERN)]
"""A component, account, environment, package, pack or branch id."""

SYNTHESIZED_ID = 1000

SynthesizedBoomiId = Annotated[
    str, StringConstraints(min_length=1, max_length=SYNTHESIZED_ID, pattern=BOOMI_ID_PATTERN)
]
"""An id Boomi builds from several ids (a map extension's): the same characters, longer."""


def _blank_as_none(value: Any) -> Any:
    # Flow-style clients send every profile field, unused ones as "".
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptionalBoomiId = Annotated[BoomiId | None, BeforeValidator(_blank_as_none)]
"""A :data:`BoomiId` that may be left out or sent blank."""
