"""The contact rules page: admins add and change rules in plain fields, every change is audited
and applies to the next check; bad parameters are named on the form; others may only read."""

from __future__ import annotations

from django.test import Client

from recoup.accounts.models import AuditEntry, Role, User
from recoup.accounts.services import user_create
from recoup.compliance.models import Rule
from recoup.compliance.selectors import contact_check
from recoup.compliance.services import preset_load
from tests.compliance.conftest import Book, local


def _client(role: Role, username: str) -> Client:
    user: User = user_create(username=username, password="pw-long-enough-1", role=role)
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_adds_a_rule_for_one_customer_and_the_next_check_obeys_it(book: Book) -> None:
    admin = _client(Role.ADMIN, "ada")
    kinds = admin.get("/compliance/rules/new/").content.decode()
    assert "A channel is not used at all" in kinds
    form = admin.get("/compliance/rules/new/?kind=channel_block")
    assert form.status_code == 200
    visit = local(2026, 6, 10, 11)
    assert contact_check(customer=book.customer, channel="visit", at=visit).allowed

    response = admin.post(
        "/compliance/rules/new/?kind=channel_block",
        {
            "name": "No visits to this debtor",
            "code": "no_visits",
            "for_whom": "customer",
            "customer": "C-1",
            "severity": "block",
            "active": "on",
            "source": "Agreement of 2 June 2026",
            "p_channels": ["visit"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get(code="no_visits")
    assert (rule.scope, rule.customer, rule.params) == (
        "customer",
        book.customer,
        {"channels": ["visit"]},
    )
    verdict = contact_check(customer=book.customer, channel="visit", at=visit)
    assert [hit.rule for hit in verdict.blocks] == ["no_visits"]
    entry = AuditEntry.objects.get(action="compliance_rule_create")
    assert entry.actor is not None
    assert entry.actor.username == "ada"
    listing = admin.get("/compliance/rules/").content.decode()
    assert "No visits to this debtor" in listing
    assert "Prairie Plumbing" in listing


def test_an_admin_changes_the_hours_and_the_form_shows_them_as_people_read_them(
    book: Book,
) -> None:
    preset_load(actor=None, name="us-reg-f")
    rule = Rule.objects.get(code="time_window")
    admin = _client(Role.ADMIN, "ada")
    page = admin.get(f"/compliance/rules/{rule.pk}/").content.decode()
    assert 'type="time"' in page
    assert 'value="08:00"' in page
    assert "Sunday" in page
    early = local(2026, 6, 10, 8, 30)  # a Wednesday
    assert contact_check(customer=book.customer, channel="call", at=early).allowed

    response = admin.post(
        f"/compliance/rules/{rule.pk}/",
        {
            "name": rule.name,
            "severity": "block",
            "active": "on",
            "source": rule.source,
            "p_start": "09:00",
            "p_end": "20:00",
            "p_weekdays": ["0", "1", "2", "3", "4"],
            "p_channels": ["call", "sms"],
            # Disabled fields: a changed id or scope is ignored, never a new rule.
            "code": "something_else",
            "for_whom": "customer",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.code, rule.scope) == ("time_window", "system")
    assert rule.params == {
        "start": "09:00",
        "end": "20:00",
        "weekdays": [0, 1, 2, 3, 4],
        "channels": ["call", "sms"],
    }
    blocked = contact_check(customer=book.customer, channel="call", at=early)
    assert [hit.rule for hit in blocked.blocks] == ["time_window"]
    saturday_noon = local(2026, 6, 13, 12)
    assert not contact_check(customer=book.customer, channel="call", at=saturday_noon).allowed
    change = AuditEntry.objects.get(action="compliance_rule_update")
    assert change.before["params"]["start"] == "08:00"
    assert change.after["params"]["start"] == "09:00"


def test_bad_parameters_are_named_on_the_form_and_change_nothing(book: Book) -> None:
    admin = _client(Role.ADMIN, "ada")
    before = list(Rule.objects.values_list("code", "scope", "params"))
    base = {"name": "Short hours", "code": "hours", "for_whom": "everyone", "severity": "block"}
    late_start = admin.post(
        "/compliance/rules/new/?kind=time_window",
        {**base, "p_start": "21:00", "p_end": "08:00", "p_weekdays": ["0"], "p_channels": ["call"]},
    )
    assert late_start.status_code == 422
    assert "start: must be earlier in the day than end" in late_start.content.decode()
    no_customer = admin.post(
        "/compliance/rules/new/?kind=channel_block",
        {**base, "for_whom": "customer", "customer": "C-404", "p_channels": ["visit"]},
    )
    assert no_customer.status_code == 422
    assert "No customer has the id" in no_customer.content.decode()
    unknown_kind = admin.get("/compliance/rules/new/?kind=moon_phase")
    assert unknown_kind.status_code == 400
    assert "moon_phase" in unknown_kind.content.decode()
    assert list(Rule.objects.values_list("code", "scope", "params")) == before


def test_only_admins_change_rules_and_others_see_no_change_links(book: Book) -> None:
    preset_load(actor=None, name="us-reg-f")
    rule = Rule.objects.get(code="time_window")
    manager = _client(Role.MANAGER, "mona")
    assert manager.get(f"/compliance/rules/{rule.pk}/").status_code == 403
    assert manager.post("/compliance/rules/new/?kind=channel_block", {}).status_code == 403
    listing = manager.get("/compliance/rules/").content.decode()
    assert "Add a rule" not in listing
    assert f"/compliance/rules/{rule.pk}/" not in listing
    admin_listing = _client(Role.ADMIN, "ada").get("/compliance/rules/").content.decode()
    assert f"/compliance/rules/{rule.pk}/" in admin_listing
