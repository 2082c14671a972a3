"""Integration Pack releases: scheduled, in progress, finished."""

from __future__ import annotations

from datetime import UTC, date, datetime

from boomi_promo.emulator.errors import bad_request, not_found
from boomi_promo.emulator.records import IntegrationPack, Release, ReleasedComponent
from boomi_promo.emulator.state.core import (
    RELEASE_IMMEDIATELY,
    RELEASE_ON_DATE,
    RELEASE_PENDING,
    Row,
    body_text,
    locked,
    wrap_items,
    wrapped_items,
)
from boomi_promo.emulator.state.integration_packs import IntegrationPacksState


class ReleasesState(IntegrationPacksState):
    def _release_date(self, body: Row, schedule: str) -> date | None:
        text = body_text(body, "releaseOnDate")
        if schedule == RELEASE_IMMEDIATELY:
            if text:
                raise bad_request("releaseOnDate is only for RELEASE_ON_SPECIFIED_DATE.")
            return None
        if not text:
            raise bad_request(f"releaseOnDate (yyyy-MM-dd) is required for {RELEASE_ON_DATE}.")
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise bad_request("releaseOnDate must be a date, yyyy-MM-dd.") from None
        if day < datetime.fromtimestamp(self.clock(), UTC).date():
            raise bad_request(f"releaseOnDate {text} is in the past.")
        return day

    def _released_components(self, pack: IntegrationPack, body: Row) -> list[ReleasedComponent]:
        entries = wrapped_items(body, "ReleasePackagedComponents", "ReleasePackagedComponent")
        if not entries:
            raise bad_request(
                "ReleasePackagedComponents.ReleasePackagedComponent must list the pack's "
                "components, each with componentId and version."
            )
        members = {m.component_id for m in pack.members if not m.deleted}
        released: list[ReleasedComponent] = []
        for entry in entries:
            component_id, version = body_text(entry, "componentId"), body_text(entry, "version")
            if not component_id or not version:
                raise bad_request("Every ReleasePackagedComponent needs componentId and version.")
            if component_id not in members:
                raise bad_request(
                    f"Component {component_id} is not in integration pack {pack.pack_id}."
                )
            versions = {
                p.package_version for p in self._shareable_packages(pack.account_id, component_id)
            }
            if version not in versions:
                raise bad_request(
                    f"Version {version} is not a shareable packaged component of {component_id}."
                )
            released.append(ReleasedComponent(component_id, version))
        if len({r.component_id for r in released}) != len(released):
            raise bad_request("A component is listed more than once.")
        return released

    @locked
    def create_release(self, account_id: str, body: Row, *, user: str) -> Row:
        pack_id = body_text(body, "id")
        pack = self._publisher_pack(account_id, pack_id) if pack_id else None
        if pack is None:
            raise bad_request(f"id must be the id of an integration pack; {pack_id!r} is not.")
        installation_type = body_text(body, "installationType")
        if installation_type and installation_type != pack.installation_type:
            raise bad_request(
                f"installationType {installation_type} does not match the pack "
                f"({pack.installation_type})."
            )
        schedule = body_text(body, "releaseSchedule") or RELEASE_IMMEDIATELY
        if schedule not in (RELEASE_IMMEDIATELY, RELEASE_ON_DATE):
            raise bad_request(
                f"releaseSchedule must be {RELEASE_IMMEDIATELY} or {RELEASE_ON_DATE}."
            )
        day = self._release_date(body, schedule)
        components = self._released_components(pack, body)
        now = self.clock()
        starts = now
        if day is not None:
            starts = max(now, datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        release = Release(
            request_id=self.new_uuid(),
            account_id=account_id,
            pack_id=pack.pack_id,
            pack_name=pack.name,
            installation_type=pack.installation_type,
            schedule=schedule,
            release_on_date=day.isoformat() if day is not None else None,
            components=components,
            created_by=user,
            created_date=self._now(),
            starts_at=starts,
            ends_at=starts + self.settings.release_seconds,
            status="SCHEDULED" if starts > now else "IN_PROGRESS",
            planned_failure=self.release_faults.take(pack.pack_id, pack.name),
        )
        self.releases[release.request_id] = release
        row = self._release_header(release, "ReleaseIntegrationPack")
        row["id"] = pack.pack_id
        row["requestId"] = release.request_id
        row["ReleasePackagedComponents"] = wrap_items(
            "ReleasePackagedComponents",
            "ReleasePackagedComponent",
            [
                {"componentId": c.component_id, "version": c.package_version}
                for c in release.components
            ],
        )
        return row

    @staticmethod
    def _release_header(release: Release, object_type: str) -> Row:
        row: Row = {
            "@type": object_type,
            "name": release.pack_name,
            "installationType": release.installation_type,
            "releaseSchedule": release.schedule,
        }
        if release.release_on_date is not None:
            row["releaseOnDate"] = release.release_on_date
        return row

    @locked
    def get_release_status(self, account_id: str, request_id: str) -> tuple[int, Row]:
        """HTTP 202 while the release is scheduled or running, 200 once it has finished."""
        release = self.releases.get(request_id)
        if release is None or release.account_id != account_id:
            raise not_found(f"Release request {request_id} was not found.")
        status = 202 if release.status in RELEASE_PENDING else 200
        row: Row = {
            "@type": "ReleaseIntegrationPackStatus",
            "requestId": release.request_id,
            "integrationPackId": release.pack_id,
            **self._release_header(release, "ReleaseIntegrationPackStatus"),
            "releaseStatus": release.status,
            "responseStatusCode": status,
        }
        if release.status == "SUCCESS":
            row["ReleasePackagedComponents"] = wrap_items(
                "ReleasePackagedComponents",
                "ReleasePackagedComponent",
                [
                    {"componentId": c.component_id, "releasedVersion": c.package_version}
                    for c in release.components
                ],
            )
        if release.message:
            row["message"] = release.message
        return status, row

    def _finish_release(self, release: Release) -> None:
        """The released set is exactly the listed components; removals take effect now."""
        pack = self.integration_packs.get(release.pack_id)
        if pack is None or pack.deleted:
            release.status, release.message = "ERROR", "The integration pack was deleted."
            return
        if release.planned_failure is not None:
            release.status, release.message = "ERROR", release.planned_failure
            return
        listed = {c.component_id: c.package_version for c in release.components}
        pack.members = [m for m in pack.members if not m.deleted]
        for member in pack.members:
            member.released_version = listed.get(member.component_id)
        pack.released = True
        release.status = "SUCCESS"
