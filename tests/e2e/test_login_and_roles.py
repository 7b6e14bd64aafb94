"""In the browser: log in and out, a collector kept out of another team's debtors, a viewer who
cannot change anything."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role, Team
from recoup.accounts.services import team_create, team_member_add
from recoup.ledger.models import Assignment, Customer, Invoice
from tests.e2e.conftest import log_in, person

Shot = Callable[[Page, str], Path]


def _two_teams() -> tuple[Customer, Customer]:
    nina = person("nina", Role.COLLECTOR, "Nina")
    north, south = team_create(name="North"), team_create(name="South")
    team_member_add(team=north, user=nina)
    customers = []
    for ext, name, team in (
        ("C-N1", "Northwind Traders", north),
        ("C-S1", "Southern Cross", south),
    ):
        customer = Customer.objects.create(external_id=ext, name=name)
        Invoice.objects.create(
            external_id=f"INV-{ext}",
            customer=customer,
            issue_date=date(2026, 1, 5),
            due_date=date(2026, 2, 4),
            amount_minor=250_00,
            currency="USD",
        )
        Assignment.objects.create(customer=customer, team=team, valid_from=date(2025, 1, 1))
        customers.append(customer)
    return customers[0], customers[1]


def test_a_person_logs_in_sees_the_dashboard_and_logs_out(page: Page, screenshot: Shot) -> None:
    person("ada", Role.ADMIN, "Ada")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot(page, "login")
    log_in(page, "ada")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Settings")).to_be_visible()
    screenshot(page, "dashboard-admin")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto("/ledger/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/ledger/$"))


def test_a_wrong_password_is_refused_with_a_message(page: Page, screenshot: Shot) -> None:
    person("ada", Role.ADMIN)
    page.goto("/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("not it")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")
    screenshot(page, "login-refused")


def test_a_collector_is_kept_out_of_another_teams_debtors(page: Page, screenshot: Shot) -> None:
    _, southern = _two_teams()
    log_in(page, "nina")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ledger").click()
    page.get_by_role("link", name="Customers").click()
    results = page.locator("#customer-results")
    expect(results.get_by_role("link", name="Northwind Traders")).to_be_visible()
    expect(results).not_to_contain_text("Southern Cross")
    # htmx binds the search box once the page has loaded: typing earlier would go unheard.
    page.wait_for_load_state("load")
    page.get_by_label("Search customers").fill("Southern")
    expect(results).to_contain_text("0 customers")
    screenshot(page, "collector-customers")
    response = page.goto(f"/ledger/customers/{southern.pk}/")
    assert response is not None
    assert response.status == 404
    screenshot(page, "collector-other-team-404")


def test_a_viewer_cannot_change_anything(page: Page, screenshot: Shot) -> None:
    person("vera", Role.VIEWER, "Vera")
    log_in(page, "vera")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    response = page.goto("/settings/users/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    screenshot(page, "viewer-forbidden")
    csrf = page.context.cookies()
    token = next(c["value"] for c in csrf if c["name"] == "csrftoken")
    attempt = page.request.post(
        "/settings/teams/",
        form={"team-name": "Shadow team"},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    assert attempt.status == 403
    assert not Team.objects.filter(name="Shadow team").exists()


def test_an_admin_creates_a_collector_in_the_settings(page: Page, screenshot: Shot) -> None:
    person("ada", Role.ADMIN, "Ada")
    team_create(name="North")
    log_in(page, "ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    form = page.locator("#user-create")
    form.get_by_label("Username").fill("colin")
    form.get_by_label("First name").fill("Colin")
    form.get_by_label("Role").select_option("collector")
    form.get_by_label("Team").select_option(label="North")
    form.get_by_label("Password", exact=True).fill("short")
    form.get_by_label("Password again").fill("short")
    form.get_by_role("button", name="Create user").click()
    expect(page.locator("#user-create")).to_contain_text("too short")
    screenshot(page, "settings-user-error")
    form = page.locator("#user-create")
    form.get_by_label("Password", exact=True).fill("a sturdy passphrase 31")
    form.get_by_label("Password again").fill("a sturdy passphrase 31")
    form.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_contain_text("User colin created as Collector.")
    expect(page.get_by_role("cell", name="colin Colin")).to_be_visible()
    screenshot(page, "settings-users")
