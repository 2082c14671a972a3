"""The query endpoints' rows and bulk GET."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from boomi_promo.emulator.errors import ApiError, bad_request, not_found
from boomi_promo.emulator.extensions import render_extensions, render_map_summary
from boomi_promo.emulator.queries import Expression, equality_arguments
from boomi_promo.emulator.state.core import (
    SCHEMAS,
    BulkAnswer,
    ComponentView,
    QueryCursor,
    Row,
    locked,
)
from boomi_promo.emulator.state.deployed_packages import DeploymentsState


class QueriesState(DeploymentsState):
    def _row_sources(self) -> dict[str, Callable[[str, Expression | None], list[Row]]]:
        """Per queryable object: its rows (API representations) for an account and a filter."""
        return {
            "Account": lambda account_id, _: [
                self._account_row(a)
                for a in self.accounts.values()
                if a.parent_account_id == account_id
            ],
            "Folder": lambda account_id, _: [
                self._folder_row(f) for f in self.folders.values() if f.account_id == account_id
            ],
            "ComponentMetadata": self._metadata_rows,
            "ComponentReference": self._reference_rows,
            "PackagedComponent": lambda account_id, _: [
                self._package_row(p) for p in self.packages.values() if p.account_id == account_id
            ],
            "Branch": self._branch_rows,
            "MergeRequest": self._merge_request_rows,
            "Environment": lambda account_id, _: [
                self._environment_row(e)
                for e in self.environments.values()
                if e.account_id == account_id
            ],
            "PublisherIntegrationPack": lambda account_id, _: [
                self._publisher_pack_row(p)
                for p in self.integration_packs.values()
                if p.account_id == account_id and not p.deleted
            ],
            "IntegrationPack": lambda account_id, _: [
                self._integration_pack_row(p) for p in self._available_packs(account_id)
            ],
            "Process": lambda account_id, _: self._process_rows(account_id),
            "DeployedPackage": lambda account_id, _: [
                self._deployment_row(d)
                for d in self.deployments.values()
                if d.account_id == account_id and not d.deleted
            ],
            "EnvironmentExtensions": lambda account_id, _: [
                render_extensions(e)
                for e in self.environment_extensions.values()
                if e.account_id == account_id
            ],
            "EnvironmentMapExtensionsSummary": lambda account_id, _: [
                render_map_summary(m)
                for m in self.map_extensions.values()
                if m.account_id == account_id
            ],
        }

    def _branch_rows(self, account_id: str, _expression: Expression | None) -> list[Row]:
        """Listed branches (DELETING ones too) once their query delay has passed."""
        now = self.clock()
        return [
            self._branch_row(b)
            for b in self.branches.values()
            if b.account_id == account_id and self._listed(b) and b.visible_at <= now
        ]

    def _merge_request_rows(self, account_id: str, expression: Expression | None) -> list[Row]:
        if not (
            equality_arguments(expression, "sourceBranchId")
            or equality_arguments(expression, "destinationBranchId")
        ):
            raise bad_request(
                "A MergeRequest query needs sourceBranchId or destinationBranchId (EQUALS)."
            )
        return [
            self._merge_row(m) for m in self.merge_requests.values() if m.account_id == account_id
        ]

    def _metadata_rows(self, account_id: str, expression: Expression | None) -> list[Row]:
        """History of one branch (main unless the filter names one): its writes and its base."""
        branch = self.main_branch(account_id)
        for branch_id in equality_arguments(expression, "branchId"):
            branch = self._live_branch(account_id, branch_id) or branch
        for name in equality_arguments(expression, "branchName"):
            branch = self._branch_by_name(account_id, name) or branch
        rows: list[Row] = []
        for record in self._records(account_id):
            revisions = [r for r in record.revisions.values() if r.branch_id == branch.branch_id]
            base = branch.base.get(record.component_id)
            if base is not None:
                revisions.append(record.revisions[base])
            rows.extend(
                self._metadata_row(ComponentView(r, branch))
                for r in sorted(revisions, key=lambda r: r.version)
            )
        return rows

    @locked
    def query(self, object_type: str, account_id: str, expression: Expression | None) -> Row:
        schema, source = SCHEMAS.get(object_type), self._row_sources().get(object_type)
        if schema is None or source is None:
            raise not_found(f"{object_type} cannot be queried.")
        matches = schema.compile(expression)
        rows = [
            row
            for row in source(account_id, expression)
            if matches({"accountId": account_id, **row})
        ]
        if object_type == "ComponentReference":
            rows = self._group_references(rows)
        return self._page(QueryCursor(object_type, account_id, rows, self.clock()))

    @locked
    def query_more(self, object_type: str, account_id: str, token: str) -> Row:
        cursor = self._cursors.pop(token, None)
        if cursor is None or cursor.object_type != object_type or cursor.account_id != account_id:
            raise bad_request(
                "The queryToken is not valid (unknown, used up, or for another query)."
            )
        return self._page(cursor)

    def _page(self, cursor: QueryCursor) -> Row:
        size = self.settings.page_size
        page, rest = cursor.remaining[:size], cursor.remaining[size:]
        result: Row = {"@type": "QueryResult", "numberOfResults": len(page)}
        if rest:
            token = secrets.token_urlsafe(24)
            self._cursors[token] = QueryCursor(
                cursor.object_type, cursor.account_id, rest, self.clock()
            )
            result["queryToken"] = token
            self._forget_old_cursors()
        result["result"] = page
        return result

    def _forget_old_cursors(self, max_age: float = 3600.0) -> None:
        horizon = self.clock() - max_age
        for token in [t for t, c in self._cursors.items() if c.created < horizon]:
            del self._cursors[token]

    @locked
    def bulk_get(self, object_type: str, account_id: str, ids: list[str]) -> list[BulkAnswer]:
        """Each id as its own GET would answer it, in request order, seen at one moment."""
        getters: dict[str, Callable[[str], Row | bytes]] = {
            "Component": lambda ref: self.get_component_xml(account_id, ref),
            "ComponentMetadata": lambda ref: self.get_component_metadata(account_id, ref),
            "Folder": lambda folder_id: self.get_folder(account_id, folder_id),
            "PackagedComponent": lambda package_id: self.get_package(account_id, package_id),
            "Account": lambda other: self.get_account(account_id, other),
        }
        get = getters.get(object_type)
        if get is None:
            raise not_found(f"{object_type} has no bulk GET in the emulator.")
        answers: list[BulkAnswer] = []
        for object_id in ids:
            try:
                answers.append(BulkAnswer(object_id, 200, get(object_id)))
            except ApiError as error:
                answers.append(BulkAnswer(object_id, error.status, message=error.message))
        return answers
