"""In the browser: the dashboard's "What we will collect" card draws its bars with the range, says
the total in words, and holds the weeks behind "details"; at 1366 and 390 px."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.ledger.models import Customer, Instalment, PaymentPlan, PromiseToPay
from tests.e2e.conftest import SCREENSHOTS, log_in, person, shots_at_both_widths
from tests.metrics.builder import Ledger

Shot = Callable[[Page, str], Path]
AS_OF = date(2026, 9, 30)


def _ledger() -> None:
    """A year of monthly invoices paid about ten days after due for six customers, some still
    open; a promise and a payment plan."""
    book = Ledger()
    for i in range(6):
        name = f"Customer {i + 1}"
        book.customer(name, team="North" if i % 2 else "South", since="2025-01-01")
        for m in range(1, 13):
            issued = date(2025 + (m + 8) // 12, (m + 8) % 12 + 1, 1)
            due = issued + timedelta(days=30)
            invoice = book.invoice(
                name, f"{(i + 1) * 1000 + m * 10}.00", issued=f"{issued}", due=f"{due}"
            )
            paid_on = due + timedelta(days=10 + i)
            if paid_on < AS_OF - timedelta(days=10 * i):
                book.pay(invoice, f"{(i + 1) * 1000 + m * 10}.00", on=f"{paid_on}")
    first = Customer.objects.get(name="Customer 1")
    PromiseToPay.objects.create(
        external_id="P-E2E",
        customer=first,
        promised_on=AS_OF,
        due_date=AS_OF + timedelta(days=12),
        amount_minor=80_000,
        currency="USD",
    )
    plan = PaymentPlan.objects.create(
        external_id="PLAN-E2E",
        customer=Customer.objects.get(name="Customer 4"),
        agreed_on=AS_OF - timedelta(days=5),
        total_minor=300_000,
        currency="USD",
    )
    for n in range(3):
        Instalment.objects.create(
            plan=plan,
            sequence=n + 1,
            due_date=AS_OF + timedelta(days=14 + 28 * n),
            amount_minor=100_000,
        )


def test_the_forecast_card_draws_its_weeks_and_their_range(page: Page, screenshot: Shot) -> None:
    person("max", Role.MANAGER, "Max")
    _ledger()
    log_in(page, "max")
    page.goto(f"/?as_of={AS_OF}")
    card = page.locator("#forecast")
    expect(card.get_by_role("heading", name="What we will collect")).to_be_visible()
    expect(page.locator("#forecast-total")).to_contain_text("in the next 13 weeks, likely between")
    expect(page.locator("#forecast-chart")).to_have_attribute("data-drawn", "yes")
    bars = page.locator("#forecast-chart svg [aria-roledescription='bar']")
    expect(bars.first).to_be_visible()
    expect(card.locator(".forecast-source-promises")).to_contain_text("Promises")
    card.get_by_text("Details: the numbers per week").click()
    expect(card.locator("#forecast-details tbody tr")).to_have_count(13)
    expect(card.get_by_role("link", name="Download CSV")).to_be_visible()
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(SCREENSHOTS / "dashboard-forecast-card.png"))
    shots_at_both_widths(page, screenshot, "dashboard-forecast")
    page.set_viewport_size({"width": 390, "height": 844})
    card.screenshot(path=str(SCREENSHOTS / "dashboard-forecast-card-390.png"))
