"""A promotion's stored resultDetail: rows from every earlier version read, and what is read is
written back as it was."""

from __future__ import annotations

from boomi_promo.domain.result_detail import ComponentOutcome, ResultDetail

# Written before UNCHANGED, packages and the version story existed: no componentType on an
# item, a non-object item, a version as text, and keys no reader names.
OLD_ROW = {
    "promotionResults": [
        {"devComponentId": "dev-root", "prodComponentId": "prod-root", "action": "UPDATED"},
        {
            "devComponentId": "dev-map",
            "prodComponentId": "prod-map",
            "action": "CREATED",
            "componentName": "Orders map",
            "version": "3",
        },
        "not an object",
    ],
    "connections": [{"devComponentId": "dev-conn", "componentName": "SFTP"}],
    "branchPackageId": None,
    "deploymentNotes": "ship it",
}


def test_an_old_shaped_row_reads_with_empty_values_for_what_it_lacks() -> None:
    detail = ResultDetail.parse(OLD_ROW)

    assert detail.promotion_results == (
        ComponentOutcome("dev-root", "prod-root", "", "", "UPDATED", 0),
        ComponentOutcome("dev-map", "prod-map", "Orders map", "", "CREATED", 3),
    )
    assert detail.deployment_notes == "ship it"
    assert detail.packages is None, "before packages were listed: prodPackageId holds them"
    assert detail.dev_package_version == detail.test_package_version == ""
    assert detail.rolled_back is None
    assert detail.seen_dev_ids() == ["dev-root", "dev-map", "dev-conn"]
    assert detail.names_by_prod_id() == {"prod-map": "Orders map"}


def test_no_detail_yet_reads_as_the_empty_detail() -> None:
    assert ResultDetail.parse(None) == ResultDetail()
    assert ResultDetail.parse(None).held == ()


def test_keys_the_model_does_not_name_are_written_back_unchanged() -> None:
    stored = ResultDetail.parse(OLD_ROW).to_json()

    assert stored["connections"] == OLD_ROW["connections"]
    assert stored["branchPackageId"] is None
    assert stored["deploymentNotes"] == "ship it"
    assert "packages" not in stored and "rolledBack" not in stored


def test_a_current_row_round_trips() -> None:
    row = {
        "devPackageVersion": "2.0",
        "testPackageVersion": "7",
        "promotionResults": [
            ComponentOutcome("dev-root", "prod-root", "Orders", "process", "UNCHANGED", 4).to_json()
        ],
        "packages": [{"packageId": "pkg-1", "prodComponentIds": ["prod-root"]}],
        "rolledBack": {"by": "erin@example.com"},
        "mergedPackageIds": [],
    }

    assert ResultDetail.parse(row).to_json() == row
    assert ResultDetail.parse(row).held_prod_ids() == {"prod-root"}
