"""One small demo ledger per test module, generated once into the test database."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import date

import pytest

from recoup.accounts.models import AuditEntry, Team, User
from recoup.demo.services import DemoSummary, demo_ledger_clear, demo_ledger_generate
from recoup.metrics.models import ReferenceValue

AS_OF = date(2026, 9, 30)
INVOICES = 4_000
SEED = 11


def ensure_crf_reference_values() -> None:
    """The CRF medians a data migration ships: a live-server (transactional) test flushes every
    table after it, these rows too, so tests that read them put them back first."""
    crf = importlib.import_module("recoup.metrics.migrations.0002_crf_reference_values")
    for metric_id, value in crf.CRF_Q3_2020:
        ReferenceValue.objects.get_or_create(
            metric_id=metric_id, period="2020-Q3", source=crf.SOURCE, defaults={"value_text": value}
        )


def remove_demo_people() -> None:
    User.objects.filter(username__startswith="demo.").delete()
    Team.objects.filter(name__in=["North", "South", "Enterprise"]).delete()
    AuditEntry.objects.filter(via="demo-data").delete()


@pytest.fixture(scope="module")
def demo_ledger(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest
) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        summary = demo_ledger_generate(invoices=INVOICES, seed=SEED, as_of=AS_OF)
        yield summary
        demo_ledger_clear()
        remove_demo_people()
