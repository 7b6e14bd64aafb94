"""Answers are kept under the data they read, not the snapshot they came from (issue 10): a
snapshot published for a logged call leaves the answers about balances valid, so a busy server
does not compute every question again after each write. A change to what a question reads
computes it again.

Reads published snapshots, so on SQLite this needs a database file (`make test-sqlite` runs it
with RECOUP_TEST_DATABASE_FILE=1).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.accounts.scope import Scope
from recoup.core.answers import until_next_commit
from recoup.core.db_changes import source_fingerprint
from recoup.demo.services import demo_ledger_generate
from recoup.ledger.models import Activity, Customer, Invoice
from recoup.metrics.contracts import MetricRequest
from recoup.metrics.duckdb_engine import DuckDBEngine
from recoup.metrics.selectors import metric_evaluate
from recoup.web import explain

pytestmark = pytest.mark.django_db(transaction=True)

AS_OF = date(2026, 9, 30)
SCOPE = Scope.organisation("test")


def _publication(directory: Path) -> int:
    return int(json.loads((directory / "analytics.json").read_text())["seq"])


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every query DuckDB really ran (answers found kept are not)."""
    ran: list[str] = []
    original = DuckDBEngine.run

    def counted(self: DuckDBEngine, sql: str) -> list[dict[str, Any]]:
        ran.append(sql)
        return original(self, sql)

    monkeypatch.setattr(DuckDBEngine, "run", counted)
    return ran


def _call_logged() -> None:
    Activity.objects.create(
        external_id=f"CALL-{timezone.now().timestamp()}",
        customer=Customer.objects.order_by("id").first(),
        channel="call",
        direction="outbound",
        outcome="no_answer",
        occurred_at=datetime(2026, 9, 30, 10, tzinfo=timezone.get_current_timezone()),
    )


def _invoice_added() -> None:
    Invoice.objects.create(
        external_id=f"NEW-{timezone.now().timestamp()}",
        customer=Customer.objects.order_by("id").first(),
        issue_date=AS_OF - timedelta(days=10),
        due_date=AS_OF + timedelta(days=20),
        amount_minor=1_234_567,
        currency=settings.BASE_CURRENCY,
    )


def test_an_answer_whose_tables_did_not_change_is_not_computed_again(
    published: Path, queries: list[str]
) -> None:
    demo_ledger_generate(invoices=300, seed=3, as_of=AS_OF)

    def read(metric: str) -> Any:
        return metric_evaluate(MetricRequest(metric, AS_OF), scope=SCOPE).value

    dso = read("dso")
    contacts = read("contact_rate")
    first = _publication(published)
    assert queries, "nothing was computed: the test proves nothing"

    _call_logged()
    queries.clear()
    assert read("dso") == dso
    assert _publication(published) > first, "the logged call published no snapshot"
    assert queries == [], "DSO reads no activity, yet it was computed again"
    read("contact_rate")
    assert queries, "the contact rate reads the activities: it must be computed again"
    assert contacts is not None

    _invoice_added()
    queries.clear()
    assert read("dso") != dso
    assert queries, "a new invoice must compute DSO again"


def test_a_page_whose_tables_did_not_change_is_found_after_a_new_snapshot(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_ledger_generate(invoices=300, seed=3, as_of=AS_OF)
    manager = User.objects.create_user("m", password="x", role=Role.MANAGER, first_name="Mo")
    browser = Client()
    browser.force_login(manager)
    computed: list[str] = []
    original = explain._explanation_compute

    def counted(metric: str, *args: Any) -> Any:
        computed.append(metric)
        return original(metric, *args)

    monkeypatch.setattr(explain, "_explanation_compute", counted)
    url = f"/dashboard/explain/dso/?as_of={AS_OF.isoformat()}"
    first = browser.get(url)
    assert first.status_code == 200
    assert computed == ["dso"]

    _call_logged()
    again = browser.get(url)
    assert again.status_code == 200
    assert computed == ["dso"], "a logged call changed nothing DSO's page shows"

    _invoice_added()
    assert browser.get(url).status_code == 200
    assert computed == ["dso", "dso"], "a new invoice must compute the page again"


def test_what_is_kept_until_the_next_commit_is_read_again_after_one() -> None:
    # The OKR board and the FX rates are read once per commit (on a SQLite file, where a commit
    # is cheap to tell); inside a transaction, whose writes no commit has counted, every time.
    built: list[int] = []

    def build() -> int:
        built.append(Customer.objects.count())
        return built[-1]

    assert until_next_commit("count", build) == until_next_commit("count", build)
    expected = 1 if source_fingerprint() is not None else 2  # PostgreSQL: no cheap counter
    assert len(built) == expected
    Customer.objects.create(external_id="C-NEW", name="New Ltd")
    assert until_next_commit("count", build) == built[0] + 1
    with transaction.atomic():
        before = len(built)
        until_next_commit("count", build)
        until_next_commit("count", build)
        assert len(built) == before + 2
