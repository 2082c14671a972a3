"""The versions a promotion record names: the team's dev package, Boomi's Test and
production packages."""

from __future__ import annotations

from boomi_promo.domain.result_detail import ResultDetail
from boomi_promo.domain.version_story import VersionStory, version_story


def test_the_kept_versions_are_read_from_the_result_detail() -> None:
    detail = {"devPackageVersion": "2.1", "testPackageVersion": "4.0"}

    story = version_story(
        ResultDetail.parse({**detail, "productionPackageVersion": "5.0"}),
        target_environment="PRODUCTION",
        status="DEPLOYED",
        package_version="5.0",
    )

    assert story == VersionStory(dev="2.1", test="4.0", production="5.0")


def test_a_production_record_does_not_take_its_copied_test_version_for_its_own() -> None:
    # Made from a test deployment: packageVersion is still the test package's.
    story = version_story(
        ResultDetail.parse({"devPackageVersion": "2.1", "testPackageVersion": "4.0"}),
        target_environment="PRODUCTION",
        status="PENDING_PEER_REVIEW",
        package_version="4.0",
    )

    assert story == VersionStory(dev="2.1", test="4.0", production="")


def test_older_records_fall_back_on_the_package_version() -> None:
    def older(target: str, status: str) -> VersionStory:
        return version_story(
            ResultDetail.parse(None),
            target_environment=target,
            status=status,
            package_version="3.0",
        )

    assert older("TEST", "TEST_DEPLOYED") == VersionStory(test="3.0")
    assert older("PRODUCTION", "DEPLOYED") == VersionStory(production="3.0")
    assert older("PRODUCTION", "PENDING_ADMIN_REVIEW") == VersionStory()
