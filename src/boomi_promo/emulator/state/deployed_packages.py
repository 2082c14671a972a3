"""Deployed packages: a package deployed into an environment."""

from __future__ import annotations

from datetime import datetime

from boomi_promo.emulator.errors import bad_request, not_found
from boomi_promo.emulator.extensions import extend_for_deployment, extension_set_id
from boomi_promo.emulator.records import (
    Deployment,
    Environment,
    EnvironmentExtensionSet,
    PackagedComponent,
)
from boomi_promo.emulator.state.core import LISTENER_STATUSES, Row, body_text, locked
from boomi_promo.emulator.state.processes import ProcessesState


class DeploymentsState(ProcessesState):
    @staticmethod
    def _deployment_row(deployment: Deployment) -> Row:
        return {
            "@type": "DeployedPackage",
            "deploymentId": deployment.deployment_id,
            "environmentId": deployment.environment_id,
            "packageId": deployment.package_id,
            "packageVersion": deployment.package_version,
            "componentId": deployment.component_id,
            "componentVersion": deployment.component_version,
            "componentType": deployment.component_type,
            "branchName": deployment.branch_name,
            "version": deployment.version,
            "active": deployment.active,
            "notes": deployment.notes,
            "listenerStatus": deployment.listener_status,
            "deployedBy": deployment.deployed_by,
            "deployedDate": deployment.deployed_date,
        }

    def _package_to_deploy(self, account_id: str, body: Row, user: str) -> PackagedComponent:
        package_id, component_id = body_text(body, "packageId"), body_text(body, "componentId")
        if package_id:
            package = self.packages.get(package_id)
            if package is None or package.account_id != account_id or package.deleted:
                raise bad_request(f"Packaged component {package_id} does not exist.")
            if component_id and component_id != package.component_id:
                raise bad_request("componentId does not match the package's component.")
            return package
        if component_id:
            # Packages main and deploys in one step; Boomi ignores branchName here.
            return self.add_package(
                account_id,
                {"componentId": component_id, "notes": body_text(body, "notes")},
                user=user,
            )
        raise bad_request("A deployment needs packageId (or componentId).")

    @locked
    def create_deployment(
        self, account_id: str, body: Row, *, user: str, at: datetime | None = None
    ) -> Row:
        environment_id = body_text(body, "environmentId")
        environment = self._environment(account_id, environment_id)
        if environment is None:
            raise bad_request(f"Environment {environment_id!r} does not exist.")
        listener_status = body_text(body, "listenerStatus") or "RUNNING"
        if listener_status not in LISTENER_STATUSES:
            raise bad_request("listenerStatus must be RUNNING or PAUSED.")
        package = self._package_to_deploy(account_id, body, user)
        same_component = [
            d
            for d in self.deployments.values()
            if d.environment_id == environment_id and d.component_id == package.component_id
        ]
        for deployment in same_component:
            if deployment.package_id == package.package_id and deployment.active:
                raise bad_request(
                    f"Deployment is a duplicate: package {package.package_id} (version "
                    f"{package.package_version}) is already deployed to {environment.name}."
                )
        for deployment in same_component:
            deployment.active = False
        deployment = Deployment(
            deployment_id=self.new_uuid(),
            account_id=account_id,
            environment_id=environment_id,
            package_id=package.package_id,
            component_id=package.component_id,
            component_version=package.component_version,
            component_type=package.component_type,
            package_version=package.package_version,
            branch_name=package.branch_name,
            version=max((d.version for d in same_component), default=0) + 1,
            notes=body_text(body, "notes"),
            listener_status=listener_status,
            deployed_by=user,
            deployed_date=self._now(at),
        )
        self.deployments[deployment.deployment_id] = deployment
        self._extend_environment(environment, package)
        return self._deployment_row(deployment)

    def _extend_environment(self, environment: Environment, package: PackagedComponent) -> None:
        """The environment's extensions gain what the deployed process makes extensible."""
        key = extension_set_id(environment.environment_id, "")
        extensions = self.environment_extensions.setdefault(
            key, EnvironmentExtensionSet(environment.environment_id, environment.account_id)
        )
        revisions = [
            record.revisions[version]
            for component_id, version in package.snapshot.items()
            if (record := self.components.get(component_id)) is not None
            and version in record.revisions
        ]
        root = next((r for r in revisions if r.component_id == package.component_id), None)
        if root is not None and root.type == "process":
            extend_for_deployment(extensions, root, revisions)

    def _deployment(self, account_id: str, deployment_id: str) -> Deployment:
        deployment = self.deployments.get(deployment_id)
        if deployment is None or deployment.account_id != account_id or deployment.deleted:
            raise not_found(f"Deployment {deployment_id} was not found.")
        return deployment

    @locked
    def get_deployment(self, account_id: str, deployment_id: str) -> Row:
        return self._deployment_row(self._deployment(account_id, deployment_id))

    @locked
    def delete_deployment(self, account_id: str, deployment_id: str) -> None:
        """Undeploy; the environment no longer runs the component."""
        deployment = self._deployment(account_id, deployment_id)
        deployment.active = False
        deployment.deleted = True
