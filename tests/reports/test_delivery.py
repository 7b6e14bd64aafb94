"""The weekly report by e-mail to a real SMTP server on 127.0.0.1 (aiosmtpd): HTML with its
charts inline and the PDF attached; once a week per list however often the job runs; and the
lists' changes audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from pytest_django.fixtures import Settings

from recoup.accounts.models import AuditEntry, Role, Team, User
from recoup.accounts.services import user_create
from recoup.reports.models import ReportDelivery, ReportFormat, ReportSubscription
from recoup.reports.services import (
    SubscriptionError,
    SubscriptionFields,
    report_send,
    subscription_create,
    subscription_delete,
    subscription_update,
    subscriptions_due,
)
from recoup.reports.tasks import reports_weekly_send
from tests.metrics.builder import Ledger
from tests.smtp import Inbox, smtp_serving

pytestmark = pytest.mark.django_db

MONDAY_8 = datetime(2026, 9, 28, 8, tzinfo=UTC)


@pytest.fixture
def smtp(settings: Settings) -> Iterator[Inbox]:
    inbox = Inbox()
    with smtp_serving(settings, inbox):
        yield inbox


@pytest.fixture
def manager() -> User:
    return user_create(
        username="mia", password="a long password 123", role=Role.MANAGER, email="mia@example.org"
    )


def _ledger() -> None:
    book = Ledger()
    book.customer("Alder Ltd", team="North", since="2025-01-01")
    book.customer("Birch plc", team="South", since="2025-01-01")
    late = book.invoice("Alder Ltd", "4000.00", issued="2026-05-01", due="2026-06-25")
    book.pay(late, "500.00", on="2026-09-24")
    book.invoice("Birch plc", "900.00", issued="2026-09-01", due="2026-09-30")


def _fields(**changes: object) -> SubscriptionFields:
    base: dict[str, object] = {
        "name": "Board",
        "team": None,
        "recipients": [],
        "emails": ["cfo@example.org"],
        "weekday": 0,
        "hour": 7,
        "format": ReportFormat.HTML_AND_PDF,
    }
    return SubscriptionFields(**{**base, **changes})  # type: ignore[arg-type]


def test_the_report_arrives_as_html_with_inline_charts_and_the_pdf_attached(
    smtp: Inbox, manager: User
) -> None:
    _ledger()
    board = subscription_create(fields=_fields(recipients=[manager]), actor=manager)
    delivery = report_send(subscription=board, now=MONDAY_8)
    assert delivery is not None
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert sorted(a.strip() for a in message["To"].split(",")) == [
        "cfo@example.org",
        "mia@example.org",
    ]
    assert message["Subject"].startswith("Weekly report: Whole organisation, week ending")
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    content = html.get_content()
    assert "Headline figures" in content
    assert 'src="cid:chart-0@recoup"' in content
    parts = list(message.walk())
    images = [p for p in parts if p.get_content_type() == "image/png"]
    # Four charts and the cash forecast's.
    assert [i["Content-ID"] for i in images] == [f"<chart-{n}@recoup>" for n in range(5)]
    pdfs = [p for p in parts if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    assert pdfs[0].get_filename() == f"weekly-report-{delivery.as_of.isoformat()}.pdf"
    assert pdfs[0].get_content().startswith(b"%PDF-")


def test_a_list_goes_out_at_its_hour_in_its_own_time_zone(smtp: Inbox, manager: User) -> None:
    _ledger()
    subscription_create(
        fields=_fields(name="Berlin", hour=9, time_zone="Europe/Berlin"), actor=manager
    )
    subscription_create(
        fields=_fields(name="Chicago", hour=7, time_zone="America/Chicago"), actor=manager
    )
    # Monday 8:00 UTC is 10:00 in Berlin (summer time) and 3:00 in Chicago.
    assert [s.name for s in subscriptions_due(now=MONDAY_8)] == ["Berlin"]
    # Chicago's Monday 7:00 is 12:00 UTC.
    assert [s.name for s in subscriptions_due(now=MONDAY_8.replace(hour=11))] == ["Berlin"]
    assert [s.name for s in subscriptions_due(now=MONDAY_8.replace(hour=12))] == [
        "Berlin",
        "Chicago",
    ]
    chicago = ReportSubscription.objects.get(name="Chicago")
    assert report_send(subscription=chicago, now=MONDAY_8.replace(hour=12)) is not None
    # Sunday 23:30 UTC: Berlin's new week began at its midnight but its hour has not come;
    # in Chicago it is still Sunday afternoon of the week it was sent in.
    sunday_night = datetime(2026, 10, 4, 23, 30, tzinfo=UTC)
    assert list(subscriptions_due(now=sunday_night)) == []
    # Berlin's Monday 9:00 is 7:00 UTC.
    assert [s.name for s in subscriptions_due(now=sunday_night + timedelta(hours=8))] == ["Berlin"]


def test_a_list_in_an_unknown_time_zone_is_refused_by_name(manager: User) -> None:
    with pytest.raises(SubscriptionError, match="'Mars/Olympus' is not a time zone"):
        subscription_create(fields=_fields(time_zone="Mars/Olympus"), actor=manager)


def test_sending_twice_in_a_week_sends_once(smtp: Inbox, manager: User) -> None:
    _ledger()
    board = subscription_create(fields=_fields(), actor=manager)
    assert report_send(subscription=board, now=MONDAY_8) is not None
    assert report_send(subscription=board, now=MONDAY_8.replace(hour=9)) is None
    assert report_send(subscription=board, now=MONDAY_8.replace(day=30)) is None
    assert len(smtp.messages) == 1
    assert ReportDelivery.objects.filter(subscription=board).count() == 1
    # The next week is a new week.
    assert report_send(subscription=board, now=MONDAY_8.replace(month=10, day=5)) is not None
    assert len(smtp.messages) == 2


def test_the_job_sends_each_list_when_its_hour_has_come_and_only_once(
    smtp: Inbox, manager: User
) -> None:
    _ledger()
    subscription_create(fields=_fields(hour=6), actor=manager)
    subscription_create(
        fields=_fields(name="North", team=Team.objects.get(name="North"), weekday=2), actor=manager
    )
    with time_machine.travel(MONDAY_8, tick=False):
        assert [s.name for s in subscriptions_due(now=MONDAY_8)] == ["Board"]
        assert reports_weekly_send.call()["sent"] == ["Board"]
        assert reports_weekly_send.call()["sent"] == []
    with time_machine.travel(MONDAY_8 + timedelta(days=2), tick=False):
        assert reports_weekly_send.call()["sent"] == ["North"]
    assert [m["Subject"].split(",")[0] for m in smtp.messages] == [
        "Weekly report: Whole organisation",
        "Weekly report: Team North",
    ]


def test_a_team_lists_report_is_about_that_team_only(smtp: Inbox, manager: User) -> None:
    _ledger()
    north = subscription_create(
        fields=_fields(name="North", team=Team.objects.get(name="North"), format="html"),
        actor=manager,
    )
    assert report_send(subscription=north, now=MONDAY_8) is not None
    message = smtp.messages[0]
    assert "Team North" in message["Subject"]
    content = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "Alder Ltd" in content
    assert "Birch plc" not in content
    assert not [p for p in message.walk() if p.get_content_type() == "application/pdf"]


def test_changes_to_a_list_are_audited_and_bad_input_is_refused(manager: User) -> None:
    board = subscription_create(fields=_fields(), actor=manager)
    subscription_update(subscription=board, fields=_fields(hour=9), actor=manager)
    subscription_delete(subscription=board, actor=manager)
    entries = AuditEntry.objects.filter(object_type="report_subscription").order_by("id")
    assert [e.action for e in entries] == [
        "report_subscription_create",
        "report_subscription_update",
        "report_subscription_delete",
    ]
    assert entries[1].before is not None
    assert entries[1].before["hour"] == 7
    assert entries[1].after is not None
    assert entries[1].after["hour"] == 9
    with pytest.raises(SubscriptionError, match="at least one recipient"):
        subscription_create(fields=_fields(emails=[]), actor=manager)
    with pytest.raises(SubscriptionError, match="not an hour"):
        subscription_create(fields=_fields(hour=24), actor=manager)
