"""One version story for a change, from the dev package to production.

A team chooses the version of its dev package ("2.0"); Boomi numbers the packages this service
makes in the primary account on its own: one from the promotion branch for Test, one from
main for production. Those numbers differ from the team's and from each other, so every page
names the change by its dev package version and shows Boomi's numbers as "Test package" and
"Production package" beside it. The three are kept in a promotion's ``resultDetail``; a
production record made from a test deployment starts with a copy of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from boomi_promo.domain.result_detail import ResultDetail

_PRODUCTION_PACKAGED = frozenset({"DEPLOYED"})
"""Before these keys were kept, a production record's ``packageVersion`` was its test
package's until the deployment packaged from main; only a deployed one certainly holds its own."""


@dataclass(frozen=True)
class VersionStory:
    dev: str = ""
    """The dev package version the team chose: the change's name on every page."""
    test: str = ""
    """Boomi's version of the package released to Test ("" when none was)."""
    production: str = ""
    """Boomi's version of the package released to production ("" when none was)."""


def version_story(
    detail: ResultDetail,
    *,
    target_environment: str,
    status: str,
    package_version: str,
) -> VersionStory:
    """The versions of a promotion record; older records fall back on ``packageVersion``."""
    test = detail.test_package_version
    production = detail.production_package_version
    if not test and not production and package_version:
        if target_environment == "TEST":
            test = package_version
        elif status in _PRODUCTION_PACKAGED:
            production = package_version
    return VersionStory(dev=detail.dev_package_version, test=test, production=production)
