"""KPI reads under concurrency (issue 10): threads of one process, then several processes, read
while the ledger changes and the analytics copy is synced and published. No read may fail, and
every answer is the number before the change or the one after it.

Each thread reads through its own database connection, so on SQLite this needs a database file
(`make test-sqlite` runs this module with RECOUP_TEST_DATABASE_FILE=1): in Django's in-memory test
database every connection shares one cache, where a writer locks the readers out. The processes
run `tests/metrics/concurrent_reads.py` on a data directory of their own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from recoup.demo.services import demo_ledger_generate
from tests.metrics.concurrent_reads import AS_OF, measure

pytestmark = pytest.mark.django_db(transaction=True)

PROGRAM = Path(__file__).with_name("concurrent_reads.py")
ROOT = Path(__file__).resolve().parents[2]
INVOICES = 2_000


def test_threads_reading_while_the_ledger_changes_and_syncs_never_fail(published: Path) -> None:
    demo_ledger_generate(invoices=INVOICES, seed=7, as_of=AS_OF)

    outcome = measure(threads=8, seconds=6.0, change=True)

    assert outcome["errors"] == 0, outcome["error_kinds"]
    assert outcome["changed"], "the change moved no number: the test proves nothing"
    assert outcome["reads"] >= 16, outcome
    assert outcome["wrong"] == 0, outcome
    # Outside a server a reader waits for the sync: none starting after the change lags it.
    assert outcome["lagging"] == 0, outcome
    assert list(published.glob("analytics-*.duckdb")), "nothing was published"


def test_a_server_answers_from_the_last_snapshot_while_it_syncs_and_never_fails(
    published: Path, settings: Settings
) -> None:
    # As under `recoup serve`: after a change, readers answer at once from the published
    # snapshot while a background thread per process syncs or confirms it.
    settings.ANALYTICS_ANSWER_WHILE_SYNCING = True
    demo_ledger_generate(invoices=INVOICES, seed=7, as_of=AS_OF)

    outcome = measure(threads=8, seconds=6.0, change=True)

    assert outcome["errors"] == 0, outcome["error_kinds"]
    assert outcome["changed"], "the change moved no number: the test proves nothing"
    assert outcome["reads"] >= 16, outcome
    assert outcome["wrong"] == 0, outcome


def _run(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(PROGRAM), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _outcome(process: subprocess.Popen[str]) -> dict[str, object]:
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err[-3000:]
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_processes_reading_while_one_changes_the_ledger_and_syncs_never_fail(
    tmp_path: Path,
) -> None:
    setup = _run("setup", str(tmp_path), "--invoices", str(INVOICES))
    _out, err = setup.communicate(timeout=240)
    assert setup.returncode == 0, err[-3000:]
    # One reading starts first and publishes a snapshot: the others then read it at once.
    _outcome(_run("read", str(tmp_path), "--threads", "1", "--seconds", "0"))

    readers = [_run("read", str(tmp_path), "--threads", "3", "--seconds", "4") for _ in range(2)]
    changer = _run("read", str(tmp_path), "--threads", "3", "--seconds", "4", "--change")
    outcomes = [_outcome(p) for p in [*readers, changer]]

    for outcome in outcomes:
        assert outcome["errors"] == 0, outcome["error_kinds"]
        assert outcome["wrong"] == 0, outcome
        assert outcome["reads"], outcome
    assert outcomes[-1]["changed"], "the change moved no number: the test proves nothing"
    assert outcomes[-1]["lagging"] == 0, outcomes[-1]
