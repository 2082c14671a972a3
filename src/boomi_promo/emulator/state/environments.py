"""Environments, their extensions and map extensions."""

from __future__ import annotations

from datetime import datetime

from boomi_promo.emulator.errors import bad_request, not_found
from boomi_promo.emulator.extensions import (
    extension_set_id,
    render_extensions,
    render_map_extension,
    replaced_map_extension,
    synthesized_id,
    updated_extensions,
)
from boomi_promo.emulator.records import (
    Environment,
    EnvironmentExtensionSet,
    MapExtension,
    MapProfile,
)
from boomi_promo.emulator.state.core import ENVIRONMENT_CLASSIFICATIONS, Row, body_text, locked
from boomi_promo.emulator.state.merge_requests import MergeRequestsState


class EnvironmentsState(MergeRequestsState):
    @locked
    def add_environment(
        self, account_id: str, name: str, classification: str, *, at: datetime | None = None
    ) -> Environment:
        """An environment of ``account_id`` (names are unique per account)."""
        if account_id not in self.accounts:
            raise bad_request(f"Account {account_id} does not exist.")
        if classification not in ENVIRONMENT_CLASSIFICATIONS:
            raise bad_request("classification must be PROD or TEST.")
        for other in self.environments.values():
            if other.account_id == account_id and other.name.lower() == name.lower():
                raise bad_request(f"An environment named {name!r} already exists.")
        environment = Environment(self.new_uuid(), account_id, name, classification, self._now(at))
        self.environments[environment.environment_id] = environment
        # Every environment has its EnvironmentExtensions object, empty until something
        # extensible is deployed or installed there.
        key = extension_set_id(environment.environment_id, "")
        self.environment_extensions.setdefault(
            key, EnvironmentExtensionSet(environment.environment_id, account_id)
        )
        return environment

    @locked
    def create_environment(self, account_id: str, body: Row) -> Row:
        """POST /Environment: a unique ``name`` and a ``classification`` (PROD by default)."""
        name = body_text(body, "name").strip()
        if not name:
            raise bad_request("An environment needs a name.")
        classification = body_text(body, "classification") or "PROD"
        return self._environment_row(self.add_environment(account_id, name, classification))

    def _environment(self, account_id: str, environment_id: str) -> Environment | None:
        environment = self.environments.get(environment_id)
        return environment if environment and environment.account_id == account_id else None

    @staticmethod
    def _environment_row(environment: Environment) -> Row:
        return {
            "@type": "Environment",
            "id": environment.environment_id,
            "name": environment.name,
            "classification": environment.classification,
        }

    @locked
    def get_environment(self, account_id: str, environment_id: str) -> Row:
        environment = self._environment(account_id, environment_id)
        if environment is None:
            raise not_found(f"Environment {environment_id} was not found.")
        return self._environment_row(environment)

    @locked
    def install_extensions(self, extensions: EnvironmentExtensionSet) -> EnvironmentExtensionSet:
        """Make components extensible in an environment, as installing a pack there would.

        Replaces what the environment (and extension group) had; the overrides in
        ``extensions`` are its starting values.
        """
        environment = self._environment(extensions.account_id, extensions.environment_id)
        if environment is None:
            raise bad_request(
                f"Environment {extensions.environment_id} does not exist in account "
                f"{extensions.account_id}."
            )
        key = extension_set_id(extensions.environment_id, extensions.extension_group_id)
        self.environment_extensions[key] = extensions
        return extensions

    def _extensions(self, account_id: str, extensions_id: str) -> EnvironmentExtensionSet:
        extensions = self.environment_extensions.get(extensions_id)
        if extensions is None or extensions.account_id != account_id:
            raise not_found(f"EnvironmentExtensions {extensions_id} was not found.")
        return extensions

    @locked
    def get_environment_extensions(self, account_id: str, extensions_id: str) -> Row:
        """Every extensible value; encrypted ones without their value."""
        return render_extensions(self._extensions(account_id, extensions_id))

    @locked
    def update_environment_extensions(self, account_id: str, extensions_id: str, body: Row) -> Row:
        """Apply a partial or full update (all or nothing); answer the result."""
        current = self._extensions(account_id, extensions_id)
        updated = updated_extensions(current, body, path_id=extensions_id)
        self.environment_extensions[extensions_id] = updated
        return render_extensions(updated)

    @locked
    def add_map_extension(
        self,
        account_id: str,
        environment_id: str,
        *,
        map_id: str,
        process_id: str,
        source_profile: MapProfile,
        destination_profile: MapProfile,
        extension_group_id: str = "",
    ) -> MapExtension:
        """Make a map of an installed process extensible in an environment (no mappings yet).

        Its name is "source - destination", from the profiles' component names.
        """
        if self._environment(account_id, environment_id) is None:
            raise bad_request(
                f"Environment {environment_id} does not exist in account {account_id}."
            )
        names = [
            self._component_name(profile.component_id)
            for profile in (source_profile, destination_profile)
        ]
        extension = MapExtension(
            extension_id=synthesized_id(map_id, process_id, extension_group_id, environment_id),
            account_id=account_id,
            environment_id=environment_id,
            extension_group_id=extension_group_id,
            map_id=map_id,
            process_id=process_id,
            name=" - ".join(names),
            source_profile=source_profile,
            destination_profile=destination_profile,
        )
        self.map_extensions[extension.extension_id] = extension
        return extension

    def _component_name(self, component_id: str) -> str:
        record = self.components.get(component_id)
        if record is None or not record.revisions:
            return component_id
        return record.revisions[max(record.revisions)].name

    def _map_extension(self, account_id: str, extension_id: str) -> MapExtension:
        extension = self.map_extensions.get(extension_id)
        if extension is None or extension.account_id != account_id:
            raise not_found(f"EnvironmentMapExtension {extension_id} was not found.")
        return extension

    @locked
    def get_map_extension(self, account_id: str, extension_id: str) -> Row:
        return render_map_extension(self._map_extension(account_id, extension_id))

    @locked
    def update_map_extension(self, account_id: str, extension_id: str, body: Row) -> Row:
        """Replace the extension with ``body`` (Boomi has no partial map-extension update)."""
        current = self._map_extension(account_id, extension_id)
        replaced = replaced_map_extension(current, body, path_id=extension_id)
        self.map_extensions[extension_id] = replaced
        return render_map_extension(replaced)
