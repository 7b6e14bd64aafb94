"""The OKR services hold a person to their role's rights themselves, so that a command run as
someone (`recoup okr checkin --author ...`) is refused what their pages and the API refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create
from recoup.core.errors import AccessDeniedError
from recoup.okrs.models import CheckIn, Cycle, Initiative, KeyResult, StatusOverride
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import (
    checkin_create,
    cycle_update,
    initiative_update,
    key_result_update,
    plan_apply,
    status_override_set,
)
from tests.okrs.conftest import PLAN


@pytest.fixture
def viewer(db: None) -> User:
    return user_create(username="vera", password=None, role=Role.VIEWER)


@pytest.fixture
def admin(db: None) -> User:
    return user_create(username="ada", password=None, role=Role.ADMIN)


def _kr(ref: str) -> KeyResult:
    objective, key = ref.split("/")
    return KeyResult.objects.get(objective__key=objective, key=key)


def test_a_viewer_who_owns_a_key_result_cannot_check_it_in_from_the_command_line(
    quarter: Cycle, viewer: User, admin: User
) -> None:
    kr = key_result_update(key_result=_kr("cash/promises"), changes={"owner": viewer}, actor=admin)
    with pytest.raises(AccessDeniedError, match="checked in by its owner"):
        checkin_create(key_result=kr, value=Decimal(70), confidence="on_track", author=viewer)
    with pytest.raises(CommandError, match="checked in by its owner"):
        call_command("okr", "checkin", "cash/promises", "--value", "70", "--confidence",
                     "on_track", "--author", "vera")  # fmt: skip
    assert not CheckIn.objects.filter(key_result=kr).exists()


def test_a_collector_checks_in_their_own_key_result_but_not_their_managers(
    quarter: Cycle,
) -> None:
    ben = User.objects.get(username="ben")
    checkin_create(
        key_result=_kr("cash/promises"), value=Decimal(70), confidence="on_track", author=ben
    )
    with pytest.raises(AccessDeniedError):
        checkin_create(
            key_result=_kr("cash/ninety"), value=Decimal(1), confidence="on_track", author=ben
        )
    assert CheckIn.objects.filter(author=ben).count() == 1


def test_a_collector_cannot_override_a_status_from_the_command_line(quarter: Cycle) -> None:
    with pytest.raises(CommandError, match="only managers and admins"):
        call_command("okr", "override", "cash/promises", "--status", "off_track",
                     "--reason", "I say so", "--author", "ben")  # fmt: skip
    with pytest.raises(AccessDeniedError):
        status_override_set(
            key_result=_kr("cash/promises"),
            status="off_track",
            reason="I say so",
            author=User.objects.get(username="ben"),
        )
    assert not StatusOverride.objects.exists()


def test_a_collector_marks_their_initiative_done_but_cannot_cancel_or_rename_it(
    quarter: Cycle,
) -> None:
    ben = User.objects.get(username="ben")
    initiative = Initiative.objects.get(key="chase")
    initiative_update(initiative=initiative, changes={"owner": ben}, actor=None)
    initiative_update(initiative=initiative, changes={"status": "done"}, actor=ben)
    for changes in ({"status": "cancelled"}, {"title": "Chase nobody"}):
        with pytest.raises(AccessDeniedError, match="for managers and admins"):
            initiative_update(initiative=initiative, changes=changes, actor=ben)
    initiative.refresh_from_db()
    assert (initiative.status, initiative.title) == ("done", "Chase the late ones weekly")


def test_a_manager_plans_but_creates_no_people_or_teams_through_a_plan(manager: User) -> None:
    with pytest.raises(AccessDeniedError, match="the plan creates team 'North'"):
        plan_apply(plan=plan_parse(PLAN, source="plan.yaml"), actor=manager)
    assert not Cycle.objects.exists()
    assert not User.objects.filter(username__in=["ana", "ben"]).exists()


def test_a_plan_may_change_a_cycles_cadence_only_when_an_admin_applies_it(
    quarter: Cycle, manager: User, admin: User
) -> None:
    weekly_on_friday = plan_parse(
        PLAN.replace("checkin_weekday: monday", "checkin_weekday: friday"), source="plan.yaml"
    )
    with pytest.raises(AccessDeniedError, match="checkin_weekday"):
        plan_apply(plan=weekly_on_friday, actor=manager)
    quarter.refresh_from_db()
    assert quarter.checkin_weekday == 0
    with pytest.raises(AccessDeniedError, match="only an admin changes the cadence"):
        cycle_update(cycle=quarter, changes={"checkin_weekday": 4}, actor=manager)
    plan_apply(plan=weekly_on_friday, actor=admin)
    quarter.refresh_from_db()
    assert quarter.checkin_weekday == 4
