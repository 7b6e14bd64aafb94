"""Impossible and out-of-range dates, and nulls where a value is needed, in plans, the OKR API
and `recoup okr`: each is a clear error naming where it was written, never a traceback or a 500."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from recoup.cli import main
from recoup.okrs.models import Cycle, KeyResult
from recoup.okrs.plan import PlanError, plan_parse
from tests.okrs.conftest import PLAN

pytestmark = pytest.mark.django_db

BASE = "/api/okrs"

# Line 3 of PLAN is `  starts_on: 2026-07-01`.
STARTS_ON_LINE = 3
BAD_DATES = {
    "2026-02-30": "expected a date, got '2026-02-30', which is not on the calendar "
    "(day is out of range for month)",
    "2026-13-01": "expected a date, got '2026-13-01', which is not on the calendar "
    "(month must be in 1..12)",
    "0000-00-00": "expected a date, got '0000-00-00', which is not on the calendar",
    "1899-12-31": "1899-12-31 is outside the dates Recoup accepts (1900-01-01 to 2200-12-31)",
    "2201-01-01": "2201-01-01 is outside the dates Recoup accepts (1900-01-01 to 2200-12-31)",
}


def _plan_starting(on: str) -> str:
    return PLAN.replace("starts_on: 2026-07-01", f"starts_on: {on}")


@pytest.mark.parametrize(("on", "reason"), BAD_DATES.items())
def test_a_plan_with_an_impossible_or_far_off_start_names_the_line(on: str, reason: str) -> None:
    with pytest.raises(PlanError) as info:
        plan_parse(_plan_starting(on), source="q.yaml")
    assert info.value.problems[0][0] == STARTS_ON_LINE
    assert str(info.value).startswith(f"q.yaml:{STARTS_ON_LINE}: cycle.starts_on: {reason}")


def test_a_bad_due_date_deep_in_a_plan_names_its_own_line() -> None:
    text = PLAN.replace("due_on: 2026-09-15", "due_on: 2026-09-31")
    line = text.splitlines().index("        due_on: 2026-09-31") + 1
    with pytest.raises(PlanError) as info:
        plan_parse(text, source="q.yaml")
    assert info.value.problems == [
        (
            line,
            "objectives[1].key_results[1].due_on: expected a date, got '2026-09-31', "
            "which is not on the calendar (day is out of range for month)",
        )
    ]


def test_a_timestamp_where_a_date_belongs_is_refused() -> None:
    with pytest.raises(
        PlanError, match=r"cycle\.starts_on: expected a date YYYY-MM-DD, got '2026-07-01 10:00:00'"
    ):
        plan_parse(_plan_starting("2026-07-01 10:00:00"))


def test_a_date_written_as_a_title_stays_text() -> None:
    plan = plan_parse(PLAN.replace("title: Collect fairly", "title: 2026-02-30"))
    assert plan.objectives[1].title == "2026-02-30"


def _okr(*args: str) -> str:
    out = StringIO()
    call_command("okr", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("action", ["apply", "audit"])
@pytest.mark.parametrize("on", ["2026-02-30", "2026-13-01", "0000-00-00"])
def test_okr_apply_and_audit_report_a_bad_date_with_file_and_line(
    tmp_path: Path, action: str, on: str
) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan_starting(on))
    with pytest.raises(CommandError) as info:
        _okr(action, str(plan))
    assert str(info.value).startswith(
        f"{plan}:{STARTS_ON_LINE}: cycle.starts_on: expected a date, got '{on}'"
    )
    assert not Cycle.objects.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--as-of", "0001-01-01"],
        ["status", "--as-of", "2026-02-30"],
        ["checkin", "--auto", "--as-of", "9999-12-31"],
        ["checkin", "cash/ninety", "--data-date", "0000-00-00"],
        ["tree", "--as-of", "2201-01-01"],
    ],
)
def test_okr_date_options_exit_2_naming_the_option(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["recoup", "okr", *args])
    assert info.value.code == 2
    option = args[-2]
    err = capsys.readouterr().err
    assert f"argument {option}: " in err
    assert args[-1] in err


@pytest.fixture
def planner(client: Client) -> Client:
    from recoup.accounts.models import Role
    from recoup.accounts.services import user_create

    user = user_create(username="mia", password="a long and unusual password 42", role=Role.MANAGER)
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/plans", "/plans/audit"])
@pytest.mark.parametrize("on", ["2026-02-30", "2026-13-01", "0000-00-00"])
def test_the_plan_api_answers_422_naming_the_line_of_a_bad_date(
    planner: Client, path: str, on: str
) -> None:
    r = planner.post(f"{BASE}{path}", {"yaml": _plan_starting(on)}, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["detail"].startswith(
        f"line {STARTS_ON_LINE}: cycle.starts_on: expected a date, got '{on}'"
    )
    assert not Cycle.objects.exists()


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_automatic_check_ins_refuse_a_far_off_date(
    planner: Client, quarter: Cycle, as_of: str
) -> None:
    r = planner.post(f"{BASE}/checkins/auto?as_of={as_of}")
    assert r.status_code == 422
    assert "outside the dates Recoup accepts" in str(r.json()["detail"])


@pytest.mark.parametrize(
    "url",
    [
        "/status?as_of=0001-01-01",
        "/tree?as_of=9999-12-31",
        "/key-results/{kr}?as_of=0001-01-01",
        "/key-results/{kr}/forecast?as_of=9999-12-31",
    ],
)
def test_reading_okrs_as_of_a_far_off_date_answers_422(
    planner: Client, quarter: Cycle, url: str
) -> None:
    kr = KeyResult.objects.get(objective__key="cash", key="ninety").pk
    r = planner.get(BASE + url.format(kr=kr))
    assert r.status_code == 422
    assert "outside the dates Recoup accepts" in str(r.json()["detail"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/cycles", {"name": "far", "starts_on": "0001-01-01", "ends_on": "0001-03-31"}),
        ("/key-results/{kr}/checkins", {"confidence": "on_track", "data_date": "9999-12-31"}),
    ],
)
def test_writing_a_far_off_date_answers_422(
    planner: Client, quarter: Cycle, path: str, body: dict[str, str]
) -> None:
    kr = KeyResult.objects.get(objective__key="cash", key="ninety").pk
    r = planner.post(BASE + path.format(kr=kr), body, content_type="application/json")
    assert r.status_code == 422
    assert "outside the dates Recoup accepts" in str(r.json()["detail"])


@pytest.mark.parametrize("field", ["weight", "title", "unit"])
def test_clearing_a_required_key_result_field_with_null_answers_422(
    planner: Client, quarter: Cycle, field: str
) -> None:
    kr = KeyResult.objects.get(objective__key="cash", key="ninety")
    r = planner.patch(f"{BASE}/key-results/{kr.pk}", {field: None}, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["detail"] == f"{field} cannot be null: leave it out to keep its value"
    kr.refresh_from_db()
    assert kr.weight == 2


def test_clearing_required_objective_and_initiative_fields_with_null_answers_422(
    planner: Client, quarter: Cycle
) -> None:
    objective = KeyResult.objects.get(objective__key="cash", key="ninety").objective
    r = planner.patch(
        f"{BASE}/objectives/{objective.pk}", {"title": None}, content_type="application/json"
    )
    assert r.status_code == 422
    initiative = KeyResult.objects.get(key="training").initiatives.first()
    assert initiative is not None
    for field in ("title", "status", "priority"):
        r = planner.patch(
            f"{BASE}/initiatives/{initiative.pk}", {field: None}, content_type="application/json"
        )
        assert r.status_code == 422, field
