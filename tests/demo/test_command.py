"""`recoup demo-data` on the command line: refusals, --if-empty, --replace and bad input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max
from django.utils import timezone

from recoup.accounts.models import AuditEntry, Role, User
from recoup.demo.services import demo_ledger_clear
from recoup.ledger.models import Customer, Invoice
from tests.demo.conftest import remove_demo_people

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield
    demo_ledger_clear()
    remove_demo_people()


def _run(*args: str) -> str:
    out = StringIO()
    call_command("demo_data", *args, stdout=out, stderr=StringIO(), verbosity=0)
    return out.getvalue()


def test_demo_data_fills_an_empty_ledger_and_reports_what_it_wrote() -> None:
    output = _run("--invoices", "500", "--seed", "3")
    assert Invoice.objects.count() == 500
    # Without --as-of the demo is a ledger of today.
    assert f"seed 3, as of {timezone.localdate().isoformat()}" in output
    last = Invoice.objects.aggregate(last=Max("issue_date"))["last"]
    assert timezone.localdate() - timedelta(days=31) <= last <= timezone.localdate()
    assert "500 invoice" in output
    collectors = User.objects.filter(role=Role.COLLECTOR, username__startswith="demo.")
    managers = User.objects.filter(role=Role.MANAGER, username__startswith="demo.")
    assert collectors.count() >= 6
    assert managers.count() == 3
    assert not any(user.has_usable_password() for user in [*collectors, *managers])
    assert AuditEntry.objects.filter(action="demo_ledger_generate", via="demo-data").exists()


def test_demo_data_refuses_a_ledger_that_already_holds_data() -> None:
    _run("--invoices", "300", "--seed", "3")
    with pytest.raises(CommandError, match=r"already holds data.*--replace"):
        _run("--invoices", "300", "--seed", "4")
    assert Invoice.objects.count() == 300


def test_if_empty_leaves_a_filled_ledger_alone_and_says_so() -> None:
    _run("--invoices", "300", "--seed", "3")
    before = list(Invoice.objects.order_by("pk").values_list("external_id", "amount_minor"))
    output = _run("--invoices", "400", "--seed", "9", "--if-empty")
    assert "already holds data" in output
    assert list(Invoice.objects.order_by("pk").values_list("external_id", "amount_minor")) == before


def test_replace_swaps_the_whole_ledger_and_keeps_the_demo_users() -> None:
    _run("--invoices", "300", "--seed", "3")
    users = set(User.objects.values_list("pk", flat=True))
    _run("--invoices", "400", "--seed", "4", "--replace")
    assert Invoice.objects.count() == 400
    assert set(User.objects.values_list("pk", flat=True)) == users


def test_as_of_sets_the_end_of_the_ledger() -> None:
    _run("--invoices", "300", "--as-of", "2025-03-31")
    last = Invoice.objects.order_by("-issue_date").values_list("issue_date", flat=True)[0]
    assert last.isoformat() <= "2025-03-31"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--invoices", "5"], "--invoices must be between 100 and 10,000,000, got 5"),
        (["--invoices", "20000000"], "--invoices must be between"),
        (["--seed", "-1"], "--seed must be zero or positive"),
        (["--as-of", "2026-02-30"], "'2026-02-30' is not a date: expected YYYY-MM-DD"),
        (["--as-of", "1890-01-01"], "--as-of 1890-01-01 is outside"),
    ],
)
def test_bad_arguments_are_refused_with_a_message_and_change_nothing(
    args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not Customer.objects.exists()
