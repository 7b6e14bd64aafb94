"""Helpers for importer tests: files written into tmp_path, and a fingerprint of the ledger."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest
from django.apps import apps
from django.db import connection

from recoup.ingest.problems import Problem
from recoup.ingest.services import ImportOutcome, ledger_file_import

LEDGER_APPS = ("ledger", "accounts")


def ledger_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every ledger and audit table: equal means untouched."""
    out: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for app in LEDGER_APPS:
            for model in apps.get_app_config(app).get_models():
                table = model._meta.db_table
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
                rows = cursor.fetchall()
                digest = hashlib.sha256(repr(rows).encode()).hexdigest()
                out[table] = (len(rows), digest)
    return out


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, text: str, *, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(dedent(text).lstrip("\n").encode(encoding))
        return path

    return write


@pytest.fixture
def run_import(tmp_path: Path) -> Callable[..., ImportOutcome]:
    def run(kind: str, path: Path, **options: object) -> ImportOutcome:
        options.setdefault("report_path", tmp_path / f"report-{kind}.csv")
        return ledger_file_import(kind=kind, path=path, keep_problems=1000, **options)  # type: ignore[arg-type]

    return run


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]
