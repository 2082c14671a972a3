"""Processes and the packs available to install."""

from __future__ import annotations

from boomi_promo.emulator.errors import not_found
from boomi_promo.emulator.state.core import Row, latest_revision, locked
from boomi_promo.emulator.state.releases import ReleasesState


class ProcessesState(ReleasesState):
    def _process_rows(self, account_id: str) -> list[Row]:
        """The processes the account runs: those deployed in it (the process component's id)
        and those of the released integration packs available to it, with the pack's id."""
        rows: dict[str, Row] = {}
        for deployment in self.deployments.values():
            if (
                deployment.account_id == account_id
                and deployment.active
                and not deployment.deleted
                and deployment.component_type == "process"
            ):
                rows.setdefault(deployment.component_id, self._process_row(deployment.component_id))
        for pack in self._available_packs(account_id):
            for member in pack.members:
                record = self.components.get(member.component_id)
                if member.released_version is None or record is None:
                    continue
                if latest_revision(record).type != "process":
                    continue
                row = rows.setdefault(member.component_id, self._process_row(member.component_id))
                row["IntegrationPack"].append(
                    {"@type": "ProcessIntegrationPackInfo", "integrationPackId": pack.pack_id}
                )
        return list(rows.values())

    def _process_row(self, component_id: str) -> Row:
        latest = latest_revision(self.components[component_id])
        return {
            "@type": "Process",
            "id": component_id,
            "name": latest.name,
            "Description": latest.description,
            "IntegrationPack": [],
        }

    @locked
    def get_process(self, account_id: str, process_id: str) -> Row:
        for row in self._process_rows(account_id):
            if row["id"] == process_id:
                return row
        raise not_found(f"Process {process_id} was not found.")

    @locked
    def get_package_manifest(self, account_id: str, package_id: str) -> Row:
        """The components a package holds, each at its packaged version."""
        package = self.packages.get(package_id)
        if package is None or package.account_id != account_id:
            raise not_found(f"Packaged component {package_id} was not found.")
        return {
            "@type": "PackagedComponentManifest",
            "packageId": package.package_id,
            "componentInfo": [
                {"@type": "ComponentInfo", "id": component_id, "version": version}
                for component_id, version in sorted(package.snapshot.items())
            ],
        }
