"""In the browser: /api/docs is Swagger UI served by Recoup itself (no CDN), under our content
security policy, listing the API's operations; the page fixture fails the test on any CSP
violation, JavaScript error or request leaving 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.okrs.models import Cycle
from tests.e2e.conftest import log_in, person

Shot = Callable[[Page, str], Path]


def test_the_api_docs_list_the_operations_offline(page: Page, screenshot: Shot) -> None:
    person("ada", Role.ADMIN, "Ada")
    log_in(page, "ada")
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    response = page.goto("/api/docs")
    assert response is not None
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Recoup API")).to_be_visible()
    metrics = page.locator(".opblock-tag-section", has_text="metrics")
    expect(metrics.get_by_text("/api/metrics/", exact=True)).to_be_visible()
    expect(page.get_by_text("A metric as of a date, grouped")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/okrs/cycles").first).to_be_visible()
    # Both ways in are offered: the session cookie and a personal bearer token.
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text("BearerToken  (http, Bearer)")).to_be_visible()
    page.get_by_role("button", name="Close").first.click()
    expect(page.get_by_text("Available authorizations")).to_have_count(0)
    assert scripts, "Swagger UI loaded no script"
    assert all("/static/ninja/" in url for url in scripts), scripts
    screenshot(page, "api-docs")

    # "Try it out" acts with the session, sending the CSRF token the session needs.
    create = page.locator(".opblock-post", has=page.locator('[data-path="/api/okrs/cycles"]'))
    create.locator(".opblock-summary").click()
    create.get_by_role("button", name="Try it out").click()
    create.locator("textarea.body-param__text").fill(
        '{"name": "2027-Q1", "starts_on": "2027-01-01", "ends_on": "2027-03-31"}'
    )
    create.get_by_role("button", name="Execute").click()
    expect(create.locator(".live-responses-table tbody .response-col_status")).to_have_text("201")
    assert Cycle.objects.filter(name="2027-Q1").exists()
    screenshot(page, "api-docs-try-it-out")
