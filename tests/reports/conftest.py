"""The demo ledger with the demo OKR plans, once per module: what the weekly report is made for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
import time_machine

from recoup.demo.okrs import example_plans, plan_for_quarter
from recoup.demo.services import demo_ledger_clear, demo_ledger_generate
from recoup.okrs.models import Cycle, KeyResult
from recoup.okrs.services import checkin_create, plan_apply, status_override_set
from tests.demo.conftest import remove_demo_people

AS_OF = date(2026, 9, 28)  # a Monday, the day a weekly report goes out
AT_RISK_REASON = "two large payers in Enterprise pay only after the audit"


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        demo_ledger_generate(invoices=1500, seed=7, as_of=AS_OF)
        for plan in example_plans():
            plan_apply(plan=plan_for_quarter(plan, AS_OF), via="test")
        risky = KeyResult.objects.exclude(metric="").order_by("pk").first()
        assert risky is not None
        # Checked in this week (an unchecked key result reads "outdated", whatever its override).
        with time_machine.travel(datetime.combine(AS_OF, time(9), tzinfo=UTC), tick=False):
            checkin_create(
                key_result=risky,
                value=Decimal(20),
                confidence="at_risk",
                data_date=AS_OF,
                via="test",
            )
            status_override_set(
                key_result=risky, status="at_risk", reason=AT_RISK_REASON, via="test"
            )
        yield
        Cycle.objects.all().delete()
        demo_ledger_clear()
        remove_demo_people()
