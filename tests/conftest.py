"""Suite-wide fixtures and the CI rule that nothing may be skipped."""

from __future__ import annotations

import os
from typing import Any

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """With RECOUP_TEST_DATABASE_FILE=1, SQLite tests run on a database file in WAL mode, as
    Recoup does. The browser tests need it (`make test-sqlite` runs them so): in Django's default
    in-memory test database every connection shares one cache, where a background import's
    write transaction locks tables against the server's pages (SQLITE_LOCKED)."""
    if os.environ.get("RECOUP_TEST_DATABASE_FILE") != "1":
        return
    from django.conf import settings

    database: dict[str, Any] = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("database") / "test.sqlite3"
        )


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The shared file cache (settings.CACHES) of a test run is its own, never var/cache.
    from django.conf import settings

    location = str(tmp_path_factory.mktemp("cache"))
    settings.CACHES["default"]["LOCATION"] = location
    # Servers and commands the tests start in other processes read it from the environment.
    os.environ["RECOUP_CACHE_DIR"] = location


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Uploads, reports, locks and the analytics copy of a test run are its own: never var/ of
    # the checkout, which `make run` serves, nor shared by the runs of parallel workers.
    from django.conf import settings

    settings.DATA_DIR = tmp_path_factory.mktemp("data")


@pytest.fixture(autouse=True)
def _answers_from_this_test_only() -> None:
    # Answers are kept in memory under keys naming their data; a rolled-back test's rows may
    # come back in the next test with the same ids and stamps, and other values.
    from recoup.core.answers import answers_forget_here

    answers_forget_here()


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
