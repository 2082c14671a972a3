"""Merge requests: staged over time, OVERRIDE or CONFLICT_RESOLVE, with conflicts."""

from __future__ import annotations

import dataclasses

from boomi_promo.emulator.errors import bad_request, not_found
from boomi_promo.emulator.records import Branch, MergeDetail, MergeRequest
from boomi_promo.emulator.state.core import (
    MERGE_STRATEGIES,
    PRIORITY_BRANCHES,
    Row,
    body_text,
    locked,
)
from boomi_promo.emulator.state.packaged_components import PackagesState


class MergeRequestsState(PackagesState):
    def _merge_row(self, request: MergeRequest) -> Row:
        source = self.branches[request.source_branch_id]
        destination = self.branches[request.destination_branch_id]
        details = [
            {
                "@type": "MergeRequestDetail",
                "componentGuid": detail.component_id,
                "changeType": detail.change_type,
                "conflict": detail.conflict,
                **(
                    {}
                    if detail.unresolved
                    else {
                        "resolution": "OVERRIDE"
                        if request.priority_branch == "SOURCE"
                        else "KEEP_DESTINATION"
                    }
                ),
                "stage": detail.stage,
                "excluded": False,
                "lockedOnDestinationBranch": False,
                "sourceRevision": detail.source_revision,
                **(
                    {"destinationRevision": detail.destination_revision}
                    if detail.destination_revision is not None
                    else {}
                ),
                **(
                    {"mergeRevision": detail.merge_revision}
                    if detail.merge_revision is not None
                    else {}
                ),
                "createdBy": request.created_by,
                "createdDate": request.created_date,
            }
            for detail in request.details
        ]
        return {
            "@type": "MergeRequest",
            "id": request.merge_request_id,
            "sourceBranchId": source.branch_id,
            "sourceBranchName": source.name,
            "destinationBranchId": destination.branch_id,
            "destinationBranchName": destination.name,
            "strategy": request.strategy,
            "priorityBranch": request.priority_branch,
            "stage": request.stage,
            "previousStage": request.previous_stage,
            "note": request.note,
            "createdBy": request.created_by,
            "createdDate": request.created_date,
            "modifiedBy": request.modified_by or request.created_by,
            "modifiedDate": request.modified_date or request.created_date,
            "MergeRequestDetails": {"@type": "MergeRequestDetails", "MergeRequestDetail": details},
        }

    @locked
    def create_merge_request(self, account_id: str, body: Row, *, user: str) -> Row:
        source_id, destination_id = (
            body_text(body, "sourceBranchId"),
            body_text(body, "destinationBranchId"),
        )
        source = self._live_branch(account_id, source_id)
        destination = self._live_branch(account_id, destination_id)
        if source is None or destination is None:
            raise bad_request(
                "sourceBranchId and destinationBranchId must be ids of existing branches."
            )
        if source.branch_id == destination.branch_id:
            raise bad_request("A branch cannot be merged into itself.")
        strategy = body_text(body, "strategy") or "OVERRIDE"
        if strategy not in MERGE_STRATEGIES:
            raise bad_request(f"strategy must be one of {sorted(MERGE_STRATEGIES)}.")
        priority = body_text(body, "priorityBranch") or "SOURCE"
        if priority not in PRIORITY_BRANCHES:
            raise bad_request("priorityBranch must be SOURCE or DESTINATION.")
        fault = self.merge_faults.take(source.name)
        request = MergeRequest(
            merge_request_id=self.new_uuid(),
            account_id=account_id,
            source_branch_id=source.branch_id,
            destination_branch_id=destination.branch_id,
            strategy=strategy,
            priority_branch=priority,
            note=body_text(body, "note"),
            created_by=user,
            created_date=self._now(),
            stage="DRAFTING",
            previous_stage="NOT_EXIST",
            next_stage_at=self.clock() + self.settings.merge_draft_seconds,
            planned_failure=fault.outcome if fault is not None else None,
            conflict_components=list(fault.components)
            if fault is not None and fault.components is not None
            else None,
        )
        self.merge_requests[request.merge_request_id] = request
        return self._merge_row(request)

    def _merge_request(self, account_id: str, merge_request_id: str) -> MergeRequest:
        request = self.merge_requests.get(merge_request_id)
        if request is None or request.account_id != account_id:
            raise not_found(f"Merge request {merge_request_id} was not found.")
        return request

    @locked
    def get_merge_request(self, account_id: str, merge_request_id: str) -> Row:
        return self._merge_row(self._merge_request(account_id, merge_request_id))

    @locked
    def execute_merge_request(
        self, account_id: str, merge_request_id: str, body: Row, *, user: str
    ) -> Row:
        request = self._merge_request(account_id, merge_request_id)
        if body_text(body, "id") and body_text(body, "id") != merge_request_id:
            raise bad_request("The id in the body does not match the merge request in the path.")
        action = body_text(body, "mergeRequestAction")
        if action != "MERGE":
            raise bad_request('The emulator executes only {"mergeRequestAction": "MERGE"}.')
        if request.stage not in ("REVIEWING", "FAILED_TO_MERGE"):
            raise bad_request(
                f"Merge request {merge_request_id} is {request.stage}; it can be merged only "
                "from REVIEWING or FAILED_TO_MERGE."
            )
        self._set_stage(request, "MERGING", self.clock() + self.settings.merge_execute_seconds)
        request.modified_by = user
        request.modified_date = self._now()
        return self._merge_row(request)

    def _set_stage(
        self, request: MergeRequest, stage: str, next_stage_at: float | None = None
    ) -> None:
        request.previous_stage = request.stage
        request.stage = stage
        request.next_stage_at = next_stage_at

    def _advance_merge(self, request: MergeRequest, due: float) -> None:
        source = self._live_branch(request.account_id, request.source_branch_id)
        destination = self._live_branch(request.account_id, request.destination_branch_id)
        if request.stage == "DRAFTING":
            if (
                source is None
                or destination is None
                or request.planned_failure == "FAILED_TO_DRAFT"
            ):
                self._set_stage(request, "FAILED_TO_DRAFT")
                return
            request.details = self._draft(source, destination)
            if request.strategy == "CONFLICT_RESOLVE":
                # Left to a person; the emulator takes no resolutions (action UPDATE).
                for detail in request.details:
                    detail.unresolved = detail.conflict
            if request.planned_failure == "CONFLICT":
                self._flag_conflicts(request)
            self._set_stage(request, "DRAFTED", due + self.settings.merge_review_seconds)
        elif request.stage == "DRAFTED":
            self._set_stage(request, "REVIEWING")
        elif request.stage == "MERGING":
            if source is None or destination is None or not self._mergeable(request):
                self._set_stage(request, "FAILED_TO_MERGE")
                return
            self._merge(request, source, destination)
            self._set_stage(request, "MERGED")
        else:
            request.next_stage_at = None

    def _mergeable(self, request: MergeRequest) -> bool:
        """Whether executing the merge can succeed; nothing is merged when it cannot."""
        if request.planned_failure == "CONFLICT":
            return False
        if request.planned_failure == "FAILED_TO_MERGE":
            # A passing failure: executing MERGE again (allowed from FAILED_TO_MERGE) merges.
            request.planned_failure = None
            return False
        return not any(d.unresolved for d in request.details)

    @staticmethod
    def _flag_conflicts(request: MergeRequest) -> None:
        """Mark the components of a planned CONFLICT as conflicting in the details."""
        if request.conflict_components is not None:
            wanted = set(request.conflict_components)
        else:
            wanted = {d.component_id for d in request.details if d.conflict} or {
                d.component_id for d in request.details
            }
        for detail in request.details:
            if detail.component_id in wanted:
                detail.conflict = detail.unresolved = True

    def _draft(self, source: Branch, destination: Branch) -> list[MergeDetail]:
        """Components whose source view is newer than the destination's (versions only grow)."""
        details: list[MergeDetail] = []
        for record in self._records(source.account_id):
            theirs = self._view(source, record)
            ours = self._view(destination, record)
            if theirs is None or (ours is not None and theirs.version <= ours.version):
                continue
            base = source.base.get(record.component_id)
            details.append(
                MergeDetail(
                    component_id=record.component_id,
                    change_type="ADDED" if ours is None else "MODIFIED",
                    conflict=ours is not None and base is not None and ours.version != base,
                    source_revision=theirs.version,
                    destination_revision=ours.version if ours is not None else None,
                )
            )
        return details

    def _merge(self, request: MergeRequest, source: Branch, destination: Branch) -> None:
        moment = self._now()
        for detail in request.details:
            record = self.components[detail.component_id]
            theirs = self._view(source, record)
            if theirs is None:
                continue
            if detail.conflict and request.priority_branch == "DESTINATION":
                detail.stage = "MERGED"
                continue
            merged = dataclasses.replace(
                theirs,
                version=record.next_version(),
                branch_id=destination.branch_id,
                modified_by=request.modified_by or request.created_by,
                modified_date=moment,
            )
            record.revisions[merged.version] = merged
            detail.merge_revision = merged.version
            detail.stage = "MERGED"
