"""Suite-wide fixtures and the CI rule that nothing may be skipped."""

from __future__ import annotations

import os

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Settings) -> None:
    # The hashed-manifest storage needs `collectstatic` first; `recoup serve` runs it, tests don't.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI every component is installed, so a skip means a missing component went unnoticed.
    if os.environ.get("RECOUP_CI") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"RECOUP_CI=1: {skipped} test(s) skipped; CI allows none", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
