"""Payments imported through the importer are judged at once (the `ledger_changed` signal), and
by the worker's task; the workspace shows the result."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from recoup.ingest.services import ledger_file_import
from recoup.ledger.models import PromiseStatus, PromiseToPay
from recoup.workspace.models import AccountFlag, Judgement, PromiseOutcome
from recoup.workspace.tasks import (
    account_judgement,
    account_judgement_daily,
    judgement_schedule_ensure,
)
from tests.workspace.conftest import Book, client_for

pytestmark = pytest.mark.django_db


def _promise(book: Book, days_ago: int) -> PromiseToPay:
    today = timezone.localdate()
    return PromiseToPay.objects.create(
        external_id=f"P-{days_ago}",
        customer=book.debtor,
        promised_on=today - timedelta(days=days_ago + 2),
        due_date=today - timedelta(days=days_ago),
        amount_minor=25_000,
        currency="USD",
    )


def _import_payment(tmp_path: Path, amount: str, on: str, actor: Any) -> None:
    path = tmp_path / "payments.csv"
    path.write_text(
        f"external_id,customer,received_on,amount,currency\nPAY-1,C-N1,{on},{amount},USD\n"
    )
    outcome = ledger_file_import(
        kind="payments", path=path, report_path=tmp_path / "report.csv", actor=actor
    )
    assert outcome.ok, outcome.problems


def test_an_imported_payment_keeps_the_promise_at_once(
    book: Book, tmp_path: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    promise = _promise(book, days_ago=1)  # within its grace days
    with django_capture_on_commit_callbacks(execute=True):
        _import_payment(tmp_path, "250.00", timezone.localdate().isoformat(), book.manager)
    assert PromiseOutcome.objects.get(promise=promise).judgement == Judgement.KEPT
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    html = client_for(book.collector).get(f"/ledger/customers/{book.debtor.pk}/").content.decode()
    assert 'badge-good">Kept</span>' in html


def test_a_promise_whose_grace_has_passed_is_broken_by_the_worker_and_flags_the_account(
    book: Book,
) -> None:
    promise = _promise(book, days_ago=5)
    result = account_judgement.call()
    assert result["judgements"] == {"broken": 1}
    assert PromiseOutcome.objects.get(promise=promise).judgement == Judgement.BROKEN
    html = client_for(book.collector).get(f"/ledger/customers/{book.debtor.pk}/").content.decode()
    assert "Needs follow-up" in html
    assert "Broken promise" in html
    assert AccountFlag.objects.filter(customer=book.debtor, cleared_on__isnull=True).count() == 1


def test_the_daily_judgement_keeps_its_schedule(book: Book) -> None:
    first = judgement_schedule_ensure()
    assert judgement_schedule_ensure() == first
    assert DBTaskResult.objects.filter(task_path=account_judgement_daily.module_path).count() == 1
    # Never judged yet: the latest 05:15 UTC is missed and due at once, and the day after is next.
    assert timezone.now() - timedelta(days=1) < first <= timezone.now()


def test_the_command_judges_as_of_a_date(book: Book, capsys: pytest.CaptureFixture[str]) -> None:
    promise = _promise(book, days_ago=0)
    later = (timezone.localdate() + timedelta(days=10)).isoformat()
    call_command("workspace", "judge", "--as-of", later)
    assert '"broken": 1' in capsys.readouterr().out
    assert PromiseOutcome.objects.get(promise=promise).judged_on.isoformat() == later


def test_an_import_that_changes_nothing_a_judgement_reads_judges_nothing(
    book: Book, tmp_path: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # A note of a call is not a payment: judging every promise of the ledger after each small
    # activities file was a busy server's load (issue 10). The worker's daily run still judges.
    promise = _promise(book, days_ago=5)
    path = tmp_path / "activities.csv"
    path.write_text(
        "external_id,customer,channel,direction,outcome,occurred_at\n"
        f"A-1,C-N1,call,outbound,no_answer,{timezone.localdate().isoformat()}T10:00:00Z\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = ledger_file_import(
            kind="activities", path=path, report_path=tmp_path / "report.csv", actor=book.manager
        )
    assert outcome.ok, outcome.problems
    assert not PromiseOutcome.objects.filter(promise=promise).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _import_payment(tmp_path, "1.00", timezone.localdate().isoformat(), book.manager)
    assert PromiseOutcome.objects.get(promise=promise).judgement == Judgement.BROKEN
