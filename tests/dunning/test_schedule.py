"""The worker prepares the day's run; a policy that sends on its own is sent at once; a sent
message is a dunning entry on the account's timeline."""

from __future__ import annotations

import pytest
from django.conf import settings

from recoup.dunning.models import MessageStatus, Policy, Run, RunStatus
from recoup.dunning.tasks import SCHEDULE, _prepare
from recoup.workspace.timeline import account_timeline
from tests.dunning.conftest import Book, Mailbox

pytestmark = pytest.mark.django_db


def test_the_worker_prepares_the_days_run_for_approval(book: Book) -> None:
    assert "recoup.dunning.tasks.SCHEDULE" in settings.SCHEDULED_JOBS
    assert SCHEDULE.key == "dunning-daily"
    report = _prepare(book.day)
    run = Run.objects.get()
    assert report["runs"][-1]["id"] == run.pk
    assert run.status == RunStatus.PREPARED
    assert not run.messages.filter(status=MessageStatus.SENT).exists()


def test_a_policy_that_sends_on_its_own_is_sent_and_shows_on_the_timeline(
    book: Book, smtp: Mailbox
) -> None:
    Policy.objects.filter(is_default=True).update(auto_send=True)
    _prepare(book.day)
    sent = Run.objects.get(policy__isnull=False)
    assert sent.status == RunStatus.SENT
    assert len(smtp.messages) == 3
    entries = account_timeline(book.customers["ALPHA"]).entries
    dunning = [e for e in entries if e.kind == "dunning"]
    assert len(dunning) == 1
    assert "First reminder" in dunning[0].detail
