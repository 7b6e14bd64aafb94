"""The agency scorecard page, its download and the commission form: numbers as people read them,
a book's placements only, rates set by managers and refused with a reason."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from recoup.accounts.models import AuditEntry, Role, Team, User
from recoup.accounts.services import team_member_add, user_create
from recoup.ledger.models import Agency, AgencyCommissionRate
from tests.metrics.builder import Ledger

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2026-01-01", "as_of": "2026-06-30"}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people() -> dict[str, User]:
    north = Team.objects.create(name="North")
    Team.objects.create(name="South")
    viewer = user_create(username="vera", password=None, role=Role.VIEWER)
    team_member_add(team=north, user=viewer)
    book = Ledger()
    book.customer("Acme", team="North")
    book.customer("Beta", team="South")
    acme = book.invoice("Acme", "1234.50", issued="2025-10-01", due="2025-10-31")
    book.place(acme, "Apex Recovery", on="2026-01-10", amount="1234.50")
    book.pay(acme, "500", on="2026-02-05")
    beta = book.invoice("Beta", "800", issued="2025-11-01", due="2025-11-30")
    book.place(beta, "Bolt Legal", on="2026-02-01", amount="800")
    return {
        "manager": user_create(username="mona", password=None, role=Role.MANAGER),
        "collector": user_create(username="carl", password=None, role=Role.COLLECTOR),
        "viewer": viewer,
    }


def test_the_page_shows_each_agency_by_placement_month(people: dict[str, User]) -> None:
    page = _client(people["manager"]).get("/placements/agencies/", PERIOD)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Apex Recovery" in text
    assert "January 2026" in text
    assert "1,234.50" in text
    assert "40.50 %" in text  # 500 of 1,234.50
    assert "Bolt Legal" in text
    assert 'id="cm-title"' in text
    assert 'name="rate"' in text


def test_a_viewer_reads_the_placements_of_their_teams_book_only(people: dict[str, User]) -> None:
    text = _client(people["viewer"]).get("/placements/agencies/", PERIOD).content.decode()
    assert "Apex Recovery" in text
    assert "Bolt Legal" not in text.split('id="commissions"')[0]
    assert 'name="rate"' not in text


def test_the_download_has_a_row_per_agency_and_month(people: dict[str, User]) -> None:
    response = _client(people["manager"]).get("/placements/agencies/export/", PERIOD)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["Agency"], r["Placement month"]) for r in rows] == [
        ("Apex Recovery", "2026-01"),
        ("Bolt Legal", "2026-02"),
    ]
    assert rows[0]["Recovery rate (%)"] == "40.50"
    assert rows[0]["Placed (USD)"] == "1234.50"
    excel = _client(people["manager"]).get(
        "/placements/agencies/export/", {**PERIOD, "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(b"".join(excel.streaming_content))).active  # type: ignore[attr-defined]
    assert sheet is not None
    assert sheet["A2"].value == "Apex Recovery"
    assert sheet["D2"].value == Decimal("1234.5")


def test_bad_dates_and_formats_are_answered_with_a_reason(people: dict[str, User]) -> None:
    client = _client(people["manager"])
    bad = client.get("/placements/agencies/", {"as_of": "2026-02-30"})
    assert bad.status_code == 400
    assert "as_of" in bad.content.decode()
    backwards = client.get("/placements/agencies/", {"from": "2026-07-01", "as_of": "2026-06-30"})
    assert backwards.status_code == 400
    unknown = client.get("/placements/agencies/export/", {"format": "pdf"})
    assert unknown.status_code == 400
    assert "csv or xlsx" in unknown.content.decode()


def test_a_manager_sets_a_rate_and_a_collector_may_not(people: dict[str, User]) -> None:
    apex = Agency.objects.get(name="Apex Recovery")
    form = {"agency": apex.pk, "from_days": "90", "rate": "12.5"}
    done = _client(people["manager"]).post("/placements/agencies/commissions/", form)
    assert done.status_code == 302
    assert AgencyCommissionRate.objects.get(agency=apex).rate_bp == 1250
    entry = AuditEntry.objects.get(action="agency_commission_rate_set")
    assert entry.actor == people["manager"]
    assert entry.via == "web"
    page = _client(people["manager"]).get("/placements/agencies/").content.decode()
    assert "day 90: 12.5 %" in page
    refused = _client(people["collector"]).post("/placements/agencies/commissions/", form)
    assert refused.status_code == 403


def test_a_rate_that_is_not_a_percentage_is_refused_on_the_form(people: dict[str, User]) -> None:
    apex = Agency.objects.get(name="Apex Recovery")
    client = _client(people["manager"])
    for typed, reason in (("abc", "number"), ("120", "from 0 to 100"), ("12.345", "two decimals")):
        response = client.post(
            "/placements/agencies/commissions/",
            {"agency": apex.pk, "from_days": "0", "rate": typed},
        )
        assert response.status_code == 422, typed
        assert reason in response.content.decode(), typed
    assert not AgencyCommissionRate.objects.exists()
