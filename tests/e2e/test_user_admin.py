"""In the browser: an admin changes a person's role and teams and resets their password; the
person logs in with the temporary password, must choose their own, then makes an API token that
is shown once."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from recoup.accounts.models import ApiToken, Role, User
from recoup.accounts.services import team_create, team_member_add
from tests.e2e.conftest import log_in, person

Shot = Callable[[Page, str], Path]


def test_an_admin_resets_a_password_and_the_person_replaces_it_then_makes_a_token(
    page: Page, screenshot: Shot
) -> None:
    person("ada", Role.ADMIN, "Ada")
    nina = person("nina", Role.VIEWER, "Nina")
    north = team_create(name="North")
    team_create(name="South")
    team_member_add(team=north, user=nina)
    log_in(page, "ada")
    page.goto("/settings/users/")
    page.get_by_role("link", name="Nina").click()
    expect(page.get_by_role("heading", name="Nina", level=1)).to_be_visible()
    page.get_by_label("Role", exact=True).select_option("collector")
    page.get_by_label("South").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved Nina.")).to_be_visible()
    screenshot(page, "settings-user-edit")
    assert User.objects.get(username="nina").role == Role.COLLECTOR

    page.get_by_role("button", name="Reset password").click()
    temporary = page.get_by_label("Temporary password").input_value()
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", temporary)
    screenshot(page, "settings-user-password-reset")
    page.get_by_role("button", name="Log out").click()

    page.goto("/login/")
    page.get_by_label("Username").fill("nina")
    page.get_by_label("Password").fill(temporary)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/password/$"))
    expect(page.get_by_text("An admin reset your password")).to_be_visible()
    screenshot(page, "password-change-forced")
    page.goto("/okrs/")
    expect(page).to_have_url(re.compile(r"/password/$"))
    page.get_by_label("Old password").fill(temporary)
    page.get_by_label("New password", exact=True).fill("nina's own passphrase 31")
    page.get_by_label("New password confirmation").fill("nina's own passphrase 31")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()

    page.get_by_role("link", name="Nina").click()
    page.get_by_label("Name", exact=True).fill("Wallboard")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("New API token").input_value()
    assert secret.startswith("rcp_")
    assert ApiToken.objects.get(user__username="nina").prefix == secret[:12]
    screenshot(page, "account-token-created")
    page.goto("/settings/tokens/")
    expect(page.get_by_text("Wallboard")).to_be_visible()
    expect(page.get_by_label("New API token")).to_have_count(0)
