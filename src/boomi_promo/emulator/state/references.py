"""ComponentReference: the references between components, derived from their content."""

from __future__ import annotations

from typing import Any

from boomi_promo.emulator import ids
from boomi_promo.emulator.component_xml import reference_candidates
from boomi_promo.emulator.errors import bad_request
from boomi_promo.emulator.queries import Expression, clause_arguments, disjuncts
from boomi_promo.emulator.records import Branch, Revision
from boomi_promo.emulator.state.components import ComponentsState
from boomi_promo.emulator.state.core import Reference, Row, locked


class ReferencesState(ComponentsState):
    def _references(self, revision: Revision, branch: Branch) -> list[Reference]:
        found: list[Reference] = []
        for candidate in reference_candidates(revision.object_xml):
            if candidate == revision.component_id:
                continue
            record = self._record(revision.account_id, candidate)
            child = self._view(branch, record) if record is not None else None
            if child is None or child.deleted:
                continue
            kind = (
                "INDEPENDENT"
                if revision.type == "processroute" and child.type == "process"
                else "DEPENDENT"
            )
            found.append(Reference(revision, child, kind, branch.branch_id))
        return found

    @staticmethod
    def _reference_row(reference: Reference) -> Row:
        return {
            "@type": "References",
            "parentComponentId": reference.parent.component_id,
            "parentVersion": reference.parent.version,
            "componentId": reference.child.component_id,
            "type": reference.type,
            "branchId": reference.branch_id,
        }

    def _all_references(self, account_id: str, branch: Branch) -> list[Row]:
        """The references of the current revision of every live component ``branch`` sees."""
        rows: list[Row] = []
        for record in self._records(account_id):
            revision = self._view(branch, record)
            if revision is not None and not revision.deleted:
                rows.extend(self._reference_row(r) for r in self._references(revision, branch))
        return rows

    @locked
    def get_references(self, account_id: str, ref: str) -> Row:
        """``GET /ComponentReference/{id}[~branchId]``: ``id`` is the *secondary* component;
        the answer lists the components that reference it (their current revisions on main,
        or on the branch). Boomi answers 400 for a component that neither references nor is
        referenced by anything."""
        view = self._read(account_id, ref)
        component_id = view.revision.component_id
        rows = [
            row
            for row in self._all_references(account_id, view.branch)
            if row["componentId"] == component_id
        ]
        if not rows and not self._references(view.revision, view.branch):
            raise bad_request(f"Component {component_id} has no parent or child references.")
        return {"@type": "ComponentReference", "references": rows}

    def _children_rows(self, account_id: str, parent_id: str, version: str) -> list[Row]:
        """What one revision of a component references (nothing for an unknown revision)."""
        record = self._record(account_id, parent_id)
        number = ids.parse_number(version)
        revision = record.revisions.get(number) if record and number is not None else None
        if revision is None or not self._reachable(revision):
            return []
        branch = self._live_branch(account_id, revision.branch_id)
        if branch is None:
            # Written on a branch that is gone (a package or another branch still holds it):
            # Boomi keeps a revision's references with the revision, so they are the
            # components it names, wherever they live now — not only those main has.
            return [self._reference_row(r) for r in self._saved_references(revision)]
        return [self._reference_row(r) for r in self._references(revision, branch)]

    def _saved_references(self, revision: Revision) -> list[Reference]:
        found: list[Reference] = []
        for candidate in reference_candidates(revision.object_xml):
            record = self._record(revision.account_id, candidate)
            if candidate == revision.component_id or record is None:
                continue
            held = [r for r in record.revisions.values() if self._reachable(r)]
            child = max(held, key=lambda r: r.version) if held else None
            if child is None or child.deleted:
                continue
            kind = (
                "INDEPENDENT"
                if revision.type == "processroute" and child.type == "process"
                else "DEPENDENT"
            )
            found.append(Reference(revision, child, kind, revision.branch_id))
        return found

    def _reference_rows(self, account_id: str, expression: Expression | None) -> list[Row]:
        """Candidate rows for each ``or``-ed clause of the filter (the filter itself is applied
        afterwards): every clause names parentComponentId and parentVersion, or componentId."""
        rows: dict[tuple[Any, ...], Row] = {}
        on_main: list[Row] | None = None
        for clause in disjuncts(expression):
            parents = clause_arguments(clause, "parentComponentId")
            children = clause_arguments(clause, "componentId")
            found: list[Row] = []
            if parents:
                versions = clause_arguments(clause, "parentVersion")
                if not versions:
                    raise bad_request(
                        "A query by parentComponentId needs parentVersion (EQUALS) too."
                    )
                for parent_id in parents:
                    for version in versions:
                        found.extend(self._children_rows(account_id, parent_id, version))
            elif children:
                if on_main is None:
                    on_main = self._all_references(account_id, self.main_branch(account_id))
                found = on_main
            else:
                raise bad_request(
                    "A ComponentReference query needs parentComponentId and parentVersion, "
                    "or componentId."
                )
            for row in found:
                fields = ("parentComponentId", "parentVersion", "componentId", "branchId")
                rows.setdefault(tuple(row[name] for name in fields), row)
        return list(rows.values())

    @staticmethod
    def _group_references(rows: list[Row]) -> list[Row]:
        grouped: dict[tuple[str, int], list[Row]] = {}
        for row in rows:
            grouped.setdefault((row["parentComponentId"], row["parentVersion"]), []).append(row)
        return [{"@type": "ComponentReference", "references": refs} for refs in grouped.values()]
