"""Boomi identifier formats: UUIDs, and base64 ``B:<n>`` / ``F:<n>`` for branches / folders."""

from __future__ import annotations

import base64
import random
import re
import uuid
from collections.abc import Callable

BRANCH_ID_PREFIX = "Qjo"
"""base64 of ``B:`` and a digit always starts so; tooling detects branch ids by it."""


def _encode(kind: str, number: int) -> str:
    return base64.b64encode(f"{kind}:{number}".encode()).decode().rstrip("=")


def branch_id(number: int) -> str:
    return _encode("B", number)


def folder_id(number: int) -> str:
    return _encode("F", number)


def new_uuid() -> str:
    return str(uuid.uuid4())


def seeded_uuids(seed: int) -> Callable[[], str]:
    """Version-4 UUIDs from a fixed seed: the demo seed gets the same ids on every build, so a
    database seeded from one build matches the emulator state of another."""
    generator = random.Random(seed)

    def next_uuid() -> str:
        return str(uuid.UUID(int=generator.getrandbits(128), version=4))

    return next_uuid


def is_branch_id(value: str) -> bool:
    return value.startswith(BRANCH_ID_PREFIX)


_NUMBER = re.compile(r"[0-9]{1,18}")


def parse_number(text: str) -> int | None:
    """A version or revision number written in ASCII digits, else ``None``.

    Not ``str.isdigit``: it also accepts digits such as ``²`` that ``int`` refuses, and ``int``
    refuses numbers of thousands of digits; either would turn a client's typo into a crash.
    """
    return int(text) if _NUMBER.fullmatch(text) else None
