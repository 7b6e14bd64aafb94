"""In the browser: after the quarter's evaluation date a manager grades it (the committed objective
that missed stands out), writes a retrospective, closes the cycle and carries one objective with
one key result into the next quarter, which starts from the final value and names its origin.
At 1366 and 390 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import time_machine
from playwright.sync_api import Page, expect

from recoup.accounts.models import Role
from recoup.accounts.services import team_create, team_member_add
from recoup.okrs import selectors, services
from recoup.okrs.models import Cycle, KeyResult
from recoup.okrs.plan import plan_parse
from tests.e2e.conftest import log_in, person, shots_at_both_widths

Shot = Callable[[Page, str], Path]

PLAN = """\
cycle:
  name: 2026-Q3
  starts_on: 2026-07-01
  ends_on: 2026-09-30
  evaluation_on: 2026-10-02
objectives:
  - key: cash
    title: Turn receivables into cash sooner
    owner: ana
    team: North
    key_results:
      - key: ninety
        title: Less money more than 90 days past due
        kind: decrease_to
        unit: USD
        baseline: 500000
        target: 400000
        owner: ana
      - key: promises
        title: Payment promises kept
        kind: increase_to
        unit: percent
        baseline: 60
        target: 80
        owner: ana
  - key: fair
    title: Collect fairly
    owner: ana
    team: North
    commitment: aspirational
    key_results:
      - key: audit
        title: Call audit passed
        kind: milestone
        owner: ana
"""


def _past_quarter() -> None:
    north = team_create(name="North")
    ana = person("ana", Role.MANAGER, "Ana")
    team_member_add(team=north, user=ana)
    # The quarter as it was lived: check-ins in its last week, the clock set back for them only.
    with time_machine.travel(date(2026, 9, 28), tick=False):
        services.plan_apply(plan=plan_parse(PLAN, source="q3.yaml"), via="test")
        for ref, value in (("cash/ninety", "420000"), ("cash/promises", "75"), ("fair/audit", "1")):
            services.checkin_create(
                key_result=selectors.key_result_get(ref=ref),
                value=Decimal(value),
                confidence="on_track",
                author=ana,
            )


def test_a_manager_grades_closes_and_carries_an_objective_over(
    page: Page, screenshot: Shot
) -> None:
    _past_quarter()
    log_in(page, "ana")
    page.goto("/okrs/?cycle=2026-Q3")
    page.get_by_role("link", name="Grade and close the cycle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grade and close 2026-Q3")

    cash = page.get_by_role("region", name="Turn receivables into cash sooner")
    # ninety 0.8 and promises 0.75 -> 0.8: a committed objective below 1.0.
    expect(cash).to_contain_text("0.8")
    expect(cash).to_contain_text("Committed, missed")
    expect(cash.locator(".grade-missed, .badge-bad")).to_have_count(1)
    fair = page.get_by_role("region", name="Collect fairly")
    expect(fair).to_contain_text("Aspirational, a success")
    cash.get_by_label("What worked").fill("Weekly calls to the twenty largest accounts")
    cash.get_by_label("What did not work").fill("Promises slipped in August")
    cash.get_by_label("What to change next time").fill("Send the 60-day letters a week earlier")
    shots_at_both_widths(page, screenshot, "close-cycle-grading")

    page.get_by_role("button", name="Close cycle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Carry over from 2026-Q3")
    expect(page.get_by_role("status")).to_contain_text("Cycle 2026-Q3 is closed")
    page.get_by_label("Carry into").select_option("2026-Q4")
    page.get_by_label(re.compile("^Less money more than 90 days past due")).check()
    shots_at_both_widths(page, screenshot, "close-cycle-carry")
    page.get_by_role("button", name="Carry over").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Carried 1 objective and 1 key result into 2026-Q4 (created now)"
    )
    expect(page.locator("body")).to_contain_text("carried from 2026-Q3")
    carried = KeyResult.objects.get(objective__cycle__name="2026-Q4", key="ninety")
    assert carried.baseline == Decimal("420000")
    assert carried.carried_from == KeyResult.objects.get(
        objective__cycle__name="2026-Q3", key="ninety"
    )
    shots_at_both_widths(page, screenshot, "close-cycle-next-board")

    # The closed quarter's board keeps the grades and the retrospective, with no edit buttons.
    page.goto("/okrs/?cycle=2026-Q3")
    expect(page.locator(".page-head .lede")).to_contain_text("closed")
    board_cash = page.get_by_role("region", name="Turn receivables into cash sooner")
    expect(board_cash).to_contain_text("Promises slipped in August")
    expect(board_cash.get_by_role("link", name=re.compile("Edit objective"))).to_have_count(0)
    assert Cycle.objects.get(name="2026-Q3").closed_at is not None
    shots_at_both_widths(page, screenshot, "close-cycle-closed-board")
