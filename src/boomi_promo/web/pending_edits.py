"""Extension updates waiting for their author's confirmation, kept in the store.

The Extension Manager shows what a save will change before sending it; the update waits on
the server, so a secret typed in never travels back to the browser. It waits in the store, not
in one process's memory, so the confirmation may reach any service replica. Sealed with a key
derived from the session secret (which every replica shares): a database dump does not reveal
a secret being typed in. Found by the hash of a random token only the author's page holds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken

from boomi_promo.store import PendingExtensionEdit, UnitOfWorkFactory
from boomi_promo.web.extension_editing import ComponentChange

PENDING_EDIT_LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True)
class PendingEdit:
    """A reviewed update waiting for its confirmation; only its author may send it."""

    email: str
    client_account_id: str
    stage: str
    environment_id: str
    environment_name: str
    payload: str
    changes: list[ComponentChange]


class PendingEdits:
    def __init__(self, uow_factory: UnitOfWorkFactory, session_secret: str) -> None:
        self._uow_factory = uow_factory
        key = hashlib.sha256(f"pending-extension-edits:{session_secret}".encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    async def put(self, edit: PendingEdit) -> str:
        """Keep ``edit``; the token its confirmation must present."""
        token = secrets.token_urlsafe(24)
        sealed = self._fernet.encrypt(json.dumps(asdict(edit)).encode()).decode("ascii")
        now = datetime.now(UTC)
        async with self._uow_factory() as uow:
            await uow.pending_extension_edits.purge(created_before=now - PENDING_EDIT_LIFETIME)
            await uow.pending_extension_edits.add(
                PendingExtensionEdit(
                    token_hash=_hash(token), principal_email=edit.email, sealed=sealed
                )
            )
            await uow.commit()
        return token

    async def take(self, token: str, email: str) -> PendingEdit | None:
        """The author's edit, removed; ``None`` when unknown, someone else's or too old."""
        async with self._uow_factory() as uow:
            row = await uow.pending_extension_edits.take(
                _hash(token), email, created_after=datetime.now(UTC) - PENDING_EDIT_LIFETIME
            )
            await uow.commit()
        if row is None:
            return None
        try:
            fields = json.loads(self._fernet.decrypt(row.sealed.encode("ascii")))
        except InvalidToken:
            # Sealed under another session secret (it was rotated): as good as expired.
            return None
        changes = [ComponentChange(**change) for change in fields.pop("changes")]
        return PendingEdit(**fields, changes=changes)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
