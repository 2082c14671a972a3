"""Fixtures shared by every suite live in tests/support; each module there is a pytest plugin."""

pytest_plugins = [
    "tests.support.database",
    "tests.support.reliability",
    "tests.support.servers",
    "tests.support.service",
]
