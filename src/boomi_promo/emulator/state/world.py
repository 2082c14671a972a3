"""The emulated Boomi accounts and every operation the API performs on them.

All operations are synchronous and take ``lock`` (a re-entrant thread lock) for their whole
duration; nothing awaits while holding it, so the state is safe to share between the server's
event loop and a test thread. Time-based changes (branch readiness, merge stages) happen in
:meth:`EmulatorState.settle`, which every API call runs first, so each request sees a world
that is up to date with the clock.

Folder paths: every account has a root folder named after the account; a folder's
``fullPath`` is the names from the root down joined by ``/``, e.g.
``Primary Account/Promoted/DevTeamA/Orders``. A component's ``folderFullPath`` is its folder's
``fullPath``.
"""

from __future__ import annotations

from pathlib import Path

from boomi_promo.emulator import ids
from boomi_promo.emulator.extensions import extension_set_id
from boomi_promo.emulator.records import Branch, StateDocument
from boomi_promo.emulator.state.core import (
    RELEASE_PENDING,
    STATE_ADAPTER,
    ComponentView,
    EmulatorSettings,
    locked,
)
from boomi_promo.emulator.state.queries import QueriesState


class EmulatorState(QueriesState):
    """Every Boomi object of the emulated accounts, and every operation the API performs."""

    @classmethod
    def create(
        cls,
        *,
        primary_account_id: str,
        primary_account_name: str,
        username: str,
        api_token: str,
        settings: EmulatorSettings | None = None,
        id_seed: int | None = None,
    ) -> EmulatorState:
        state = cls(
            primary_account_id=primary_account_id,
            username=username,
            api_token=api_token,
            settings=settings,
        )
        if id_seed is not None:
            state.new_uuid = ids.seeded_uuids(id_seed)
        state.add_account(primary_account_id, primary_account_name)
        return state

    @locked
    def to_document(self) -> StateDocument:
        return StateDocument(
            primary_account_id=self.primary_account_id,
            username=self.username,
            api_token=self.api_token,
            branch_sequence=self.branch_sequence,
            folder_sequence=self.folder_sequence,
            accounts=list(self.accounts.values()),
            folders=list(self.folders.values()),
            components=list(self.components.values()),
            branches=list(self.branches.values()),
            packages=list(self.packages.values()),
            merge_requests=list(self.merge_requests.values()),
            environments=list(self.environments.values()),
            integration_packs=list(self.integration_packs.values()),
            releases=list(self.releases.values()),
            deployments=list(self.deployments.values()),
            environment_extensions=list(self.environment_extensions.values()),
            map_extensions=list(self.map_extensions.values()),
        )

    def dump_json(self) -> bytes:
        return STATE_ADAPTER.dump_json(self.to_document(), indent=1)

    def save(self, path: Path) -> None:
        """Write the state as JSON, atomically (a crash mid-write leaves the old file)."""
        data = self.dump_json()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)

    @classmethod
    def load(cls, path: Path, *, settings: EmulatorSettings | None = None) -> EmulatorState:
        document = STATE_ADAPTER.validate_json(path.read_bytes())
        state = cls(
            primary_account_id=document.primary_account_id,
            username=document.username,
            api_token=document.api_token,
            settings=settings,
        )
        state.branch_sequence = document.branch_sequence
        state.folder_sequence = document.folder_sequence
        state.accounts = {a.account_id: a for a in document.accounts}
        state.folders = {f.folder_id: f for f in document.folders}
        state.components = {c.component_id: c for c in document.components}
        state.branches = {b.branch_id: b for b in document.branches}
        state.packages = {p.package_id: p for p in document.packages}
        state.merge_requests = {m.merge_request_id: m for m in document.merge_requests}
        state.environments = {e.environment_id: e for e in document.environments}
        state.integration_packs = {p.pack_id: p for p in document.integration_packs}
        state.releases = {r.request_id: r for r in document.releases}
        state.deployments = {d.deployment_id: d for d in document.deployments}
        state.environment_extensions = {
            extension_set_id(e.environment_id, e.extension_group_id): e
            for e in document.environment_extensions
        }
        state.map_extensions = {m.extension_id: m for m in document.map_extensions}
        return state

    @locked
    def settle(self) -> None:
        """Advance merge requests whose next stage is due, and releases whose time has come."""
        now = self.clock()
        for request in self.merge_requests.values():
            while request.next_stage_at is not None and request.next_stage_at <= now:
                self._advance_merge(request, request.next_stage_at)
        pending = [r for r in self.releases.values() if r.status in RELEASE_PENDING]
        # Releases that are due together land in the order they would have finished.
        for release in sorted(pending, key=lambda r: r.ends_at):
            if release.status == "SCHEDULED" and release.starts_at <= now:
                release.status = "IN_PROGRESS"
            if release.ends_at <= now:
                self._finish_release(release)

    @locked
    def component_view(self, account_id: str, ref: str) -> ComponentView:
        """The revision ``GET /Component/{ref}`` would answer."""
        return self._read(account_id, ref)

    @locked
    def branch_named(self, account_id: str, name: str) -> Branch | None:
        return self._branch_by_name(account_id, name)
