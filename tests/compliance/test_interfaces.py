"""The engine through its doors: the command, the API, the pages, the services' audit, the
`restrictions` import kind, the findings of an activities import and the record checks."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from recoup.accounts.models import AuditEntry, Role
from recoup.accounts.scope import Scope
from recoup.accounts.services import team_create, team_member_add, user_create
from recoup.compliance.findings import findings_list
from recoup.compliance.models import Restriction
from recoup.compliance.services import restriction_end, restriction_record
from recoup.ingest.services import ledger_file_import
from recoup.ledger.models import Adjustment, Assignment, Payment, PromiseToPay
from tests.compliance.conftest import Book, local

pytestmark = pytest.mark.django_db


def _cli(*args: str) -> str:
    out = StringIO()
    call_command("compliance", *args, stdout=out)
    return out.getvalue()


def test_the_check_command_prints_the_verdict_as_json(book: Book) -> None:
    book.customer.do_not_call = True
    book.customer.save()
    out = json.loads(
        _cli(
            "check",
            "--customer",
            "C-1",
            "--channel",
            "call",
            "--at",
            "2026-03-10T04:30:00Z",
            "--format",
            "json",
        )
    )
    assert out["allowed"] is False
    assert sorted(b["rule"] for b in out["blocks"]) == ["opt_out", "time_window"]
    assert {"rule", "message", "fact", "next_allowed_at"} <= set(out["blocks"][0])
    allowed = json.loads(
        _cli(
            "check",
            "--customer",
            "C-1",
            "--channel",
            "email",
            "--at",
            "2026-03-10T16:00:00Z",
            "--invoice",
            "INV-2",
            "--format",
            "json",
        )
    )
    assert allowed == {"allowed": True, "blocks": [], "warnings": [], "next_allowed_at": None}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--channel", "phone", "--at", "2026-03-10T16:00:00Z"], "channel 'phone'"),
        (["--channel", "call", "--at", "2026-03-10T16:00:00"], "give the offset"),
        (["--channel", "call", "--at", "yesterday"], "ISO 8601"),
        (
            ["--channel", "call", "--at", "2026-03-10T16:00:00Z", "--invoice", "NOPE"],
            "invoice 'NOPE'",
        ),
    ],
)
def test_bad_input_exits_2_with_what_is_wrong(book: Book, args: list[str], says: str) -> None:
    with pytest.raises(CommandError, match=says) as caught:
        _cli("check", "--customer", "C-1", *args)
    assert caught.value.returncode == 2


def test_rules_restrictions_and_the_preset_through_the_command_are_audited(book: Book) -> None:
    _cli(
        "rule",
        "no_visits",
        "--kind",
        "channel_block",
        "--name",
        "No visits",
        "--params",
        '{"channels": ["visit"]}',
    )
    assert "no_visits" in _cli("rules")
    with pytest.raises(CommandError, match="weekdays"):
        _cli(
            "rule", "hours", "--kind", "time_window", "--name", "x", "--params", '{"weekdays": [9]}'
        )
    _cli(
        "restriction",
        "--customer",
        "C-1",
        "--kind",
        "opt_out",
        "--channel",
        "sms",
        "--effective-on",
        "2026-03-05",
    )
    r = Restriction.objects.get()
    _cli("restriction-end", str(r.pk), "--ended-on", "2026-03-20")
    _cli("preset", "us-reg-f")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["compliance_rule_create", "restriction_record", "restriction_end"]


def test_restriction_services_hold_people_to_their_role_and_book(book: Book) -> None:
    north = team_create(name="North")
    nina = user_create(username="nina", password=None, role=Role.COLLECTOR)
    vera = user_create(username="vera", password=None, role=Role.VIEWER)
    team_member_add(team=north, user=nina)
    team_member_add(team=north, user=vera)
    from recoup.core.errors import AccessDeniedError, NotFoundError

    with pytest.raises(NotFoundError):  # not in her book yet
        restriction_record(
            actor=nina, customer=book.customer, kind="cease", effective_on=date(2026, 3, 5)
        )
    Assignment.objects.create(customer=book.customer, team=north, valid_from=date(2020, 1, 1))
    r = restriction_record(
        actor=nina, customer=book.customer, kind="cease", effective_on=date(2026, 3, 5)
    )
    with pytest.raises(AccessDeniedError):
        restriction_record(
            actor=vera, customer=book.customer, kind="bankruptcy", effective_on=date(2026, 3, 5)
        )
    with pytest.raises(AccessDeniedError):  # lifting a cease request is a manager's call
        restriction_end(actor=nina, restriction=r, ended_on=date(2026, 3, 9))


def test_the_api_checks_within_the_book_and_refuses_bad_input(book: Book) -> None:
    north, south = team_create(name="North"), team_create(name="South")
    nina = user_create(username="nina", password=None, role=Role.COLLECTOR)
    team_member_add(team=north, user=nina)
    Assignment.objects.create(customer=book.customer, team=south, valid_from=date(2020, 1, 1))
    client = Client()
    client.force_login(nina)
    query = {"customer": "C-1", "channel": "call", "at": "2026-03-10T04:30:00Z"}
    assert client.get("/api/compliance/check", query).status_code == 404
    team_member_add(team=south, user=nina)
    answer = client.get("/api/compliance/check", query)
    assert answer.status_code == 200
    assert answer.json()["blocks"][0]["rule"] == "time_window"
    bad = client.get("/api/compliance/check", {**query, "at": "2026-03-10T04:30:00"})
    assert bad.status_code == 422
    assert "offset" in bad.json()["detail"]


def test_imported_contacts_that_broke_a_rule_are_reported_not_refused(
    book: Book, tmp_path: Path
) -> None:
    book.customer.do_not_call = True
    book.customer.save()
    path = tmp_path / "activities.csv"
    path.write_text(
        "external_id,customer,invoice,channel,direction,outcome,occurred_at\n"
        "A-1,C-1,INV-1,call,outbound,no_answer,2026-03-10T04:30:00Z\n"
        "A-2,C-1,INV-1,email,outbound,no_answer,2026-03-10T16:00:00Z\n"
    )
    outcome = ledger_file_import(kind="activities", path=path)
    assert outcome.ok
    assert outcome.counts["activities"].inserted == 2
    found = outcome.run.details["compliance"]
    assert found["contacts_checked"] == 2
    assert found["broke_rules"] == 1
    assert found["by_rule"] == {"opt_out": 1, "time_window": 1}
    assert found["examples"][0]["activity"] == "A-1"


def test_the_restrictions_kind_imports_dated_restrictions(book: Book, tmp_path: Path) -> None:
    path = tmp_path / "restrictions.csv"
    path.write_text(
        "customer,kind,channel,effective_on,ended_on,note\n"
        "C-1,opt_out,sms,2026-03-05,,no texts\n"
        "C-1,bankruptcy,,2026-04-01,2026-06-30,chapter 7 dismissed\n"
    )
    outcome = ledger_file_import(kind="restrictions", path=path)
    assert outcome.ok, outcome.problems
    rows = {(r.kind, r.channel, r.ended_on) for r in Restriction.objects.all()}
    assert rows == {("opt_out", "sms", None), ("bankruptcy", "", date(2026, 6, 30))}
    again = ledger_file_import(kind="restrictions", path=path)
    assert again.ok
    assert again.counts["restrictions"].inserted == 0


def test_the_record_checks_find_rule_breaks_promises_without_contact_and_odd_write_offs(
    book: Book,
) -> None:
    book.call(local(2026, 3, 10, 23, 30))  # after 21:00 local
    book.call(local(2026, 3, 11, 10), outcome="promise")
    ok_promise = PromiseToPay.objects.create(
        external_id="P-1",
        customer=book.customer,
        promised_on=date(2026, 3, 11),
        due_date=date(2026, 3, 20),
        amount_minor=5000,
        currency="USD",
    )
    PromiseToPay.objects.create(
        external_id="P-2",
        customer=book.customer,
        promised_on=date(2026, 3, 14),
        due_date=date(2026, 3, 20),
        amount_minor=5000,
        currency="USD",
    )
    Payment.objects.create(
        external_id="PAY-1",
        customer=book.customer,
        received_on=date(2026, 3, 1),
        amount_minor=100,
        currency="USD",
    )
    Adjustment.objects.create(
        external_id="WO-1",
        invoice=book.inv1,
        kind="write_off",
        effective_on=date(2026, 3, 15),
        amount_minor=9_900,
        currency="USD",
    )
    report = findings_list(
        Scope.organisation("test"), date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)
    )
    by_check = {(f.check, f.record) for f in report.findings}
    assert by_check == {
        ("contact_rule", book.customer.activities.order_by("occurred_at")[0].external_id),
        ("promise_without_contact", "P-2"),
        ("unusual_write_off", "WO-1"),
    }
    assert ok_promise.external_id not in {f.record for f in report.findings}
    write_off = next(f for f in report.findings if f.check == "unusual_write_off")
    assert "days past due" in write_off.what
    assert "paid something" in write_off.what
    assert report.contacts_checked == 2


def test_the_findings_page_shows_the_book_in_plain_words(book: Book) -> None:
    admin = user_create(
        username="ada", password=None, role=Role.ADMIN, first_name="Ada", last_name="Lovelace"
    )
    a = book.call(local(2026, 3, 10, 23, 30))
    a.collector = admin
    a.save()
    client = Client()
    client.force_login(admin)
    page = client.get("/compliance/findings/", {"from": "2026-03-01", "to": "2026-03-31"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Contact that broke a rule" in text
    assert "Ada Lovelace" in text
    assert "23:30" in text
    bad = client.get("/compliance/findings/", {"from": "2026-03-31", "to": "2026-03-01"})
    assert bad.status_code == 422
    assert "is after" in bad.content.decode()
    assert "time_window" in client.get("/compliance/rules/").content.decode()
