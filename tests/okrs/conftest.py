"""Fixtures for OKR tests: a quarter with manual key results, written as a plan file."""

from __future__ import annotations

import pytest

from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create
from recoup.okrs.models import Cycle
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply

PLAN = """\
cycle:
  name: 2026-Q3
  starts_on: 2026-07-01
  ends_on: 2026-09-30
  checkin_weekday: monday
people:
  - username: ana
    role: manager
    teams: [North]
  - username: ben
    role: collector
    teams: [North]
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
        weight: 2
      - key: promises
        title: Payment promises kept
        kind: increase_to
        unit: percent
        baseline: 60
        target: 80
        owner: ben
      - key: disputes
        title: Disputed share of invoices
        kind: stay_below
        unit: percent
        target: 5
        owner: ben
  - key: fair
    title: Collect fairly
    owner: ana
    team: North
    parent: cash
    commitment: aspirational
    key_results:
      - key: training
        title: Compliance training done by everyone
        kind: task_tracked
        owner: ana
        initiatives:
          - key: list
            title: List the mandatory courses
            status: done
          - key: deadlines
            title: Set deadlines per course
          - key: chase
            title: Chase the late ones weekly
          - key: old
            title: Old course
            status: cancelled
      - key: audit
        title: Call audit passed
        kind: milestone
        due_on: 2026-09-15
        owner: ana
"""


@pytest.fixture
def quarter(db: None) -> Cycle:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    return Cycle.objects.get(name="2026-Q3")


@pytest.fixture
def manager(db: None) -> User:
    return user_create(username="mia", password="a long and unusual password 42", role=Role.MANAGER)
