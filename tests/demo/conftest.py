"""One small demo ledger per test module, generated once into the test database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from recoup.accounts.models import AuditEntry, Team, User
from recoup.demo.services import DemoSummary, demo_ledger_clear, demo_ledger_generate

AS_OF = date(2026, 9, 30)
INVOICES = 4_000
SEED = 11


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
