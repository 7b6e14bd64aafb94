"""The weekly report's "What we will collect" (the dashboard's forecast, its chart drawn offline)
and its "Reported green, data red" section: none on the demo's cycle as planned, then the key
result a manager calls on track against its data, with the data's reason."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
import time_machine

from recoup.accounts.scope import Scope
from recoup.okrs.models import KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import checkin_create, plan_apply
from recoup.reports.mail import report_text
from recoup.reports.render import report_charts, report_html
from recoup.reports.weekly import weekly_report_build
from recoup.worklist.forecast import cash_forecast_kept
from recoup.worklist.forecast_display import forecast_sentence
from tests.reports.conftest import AS_OF

pytestmark = pytest.mark.django_db

EVERYONE = Scope.organisation("tests")
NONE_FLAGGED = "No key result is reported on track while its data says otherwise."
PLAN = """\
cycle:
  name: 2026-Q3 extra
  starts_on: 2026-07-01
  ends_on: 2026-09-30
objectives:
  - key: reach
    title: Reach every debtor
    owner: demo.north.manager
    key_results:
      - key: calls
        title: Debtors called this quarter
        kind: increase_to
        unit: count
        baseline: 0
        target: 100
        owner: demo.north.manager
"""


def test_the_report_lists_a_key_result_reported_green_while_its_data_is_red(demo: None) -> None:
    before = weekly_report_build(scope=EVERYONE, as_of=AS_OF)
    assert before.green_red == []
    assert NONE_FLAGGED in report_html(before, charts=[]).html

    # A second cycle beside the demo's, with a key result far behind its path and a person's
    # check-in calling it on track.
    with time_machine.travel(datetime.combine(AS_OF, time(10), tzinfo=UTC), tick=False):
        plan_apply(plan=plan_parse(PLAN, source="extra.yaml"), via="test")
        key_result = KeyResult.objects.get(objective__cycle__name="2026-Q3 extra", key="calls")
        checkin_create(
            key_result=key_result,
            value=Decimal(5),
            confidence="on_track",
            comment="the calls come at the end",
            data_date=AS_OF,
            via="test",
        )
    after = weekly_report_build(scope=EVERYONE, as_of=AS_OF)
    assert [f.key_result_id for f in after.green_red] == [key_result.pk]
    flag = after.green_red[0]
    assert flag.text.startswith("Reported on track (")
    assert any("progress 5 % against" in r for r in flag.reasons)
    page = report_html(after, charts=[]).html
    assert NONE_FLAGGED not in page
    assert flag.title in page
    assert "Reported green, data red:" in report_text(after)


def test_the_report_carries_the_dashboards_forecast_and_its_chart(demo: None) -> None:
    report = weekly_report_build(scope=EVERYONE, as_of=AS_OF)
    forecast = cash_forecast_kept(scope=EVERYONE, as_of=AS_OF)
    assert forecast.total_minor > 0
    assert report.forecast_sentence == forecast_sentence(forecast)
    assert sum(s.minor for s in report.forecast_sources) == forecast.total_minor
    charts = report_charts(report)
    drawn = next(c for c in charts if c.title.startswith("What we will collect"))
    assert drawn.svg.startswith("<svg")
    assert "New invoices" in drawn.svg
    page = report_html(report, charts=charts).html
    assert report.forecast_sentence in page
    north = weekly_report_build(scope=EVERYONE, as_of=AS_OF, team="North")
    north_forecast = cash_forecast_kept(scope=EVERYONE, as_of=AS_OF, team="North")
    assert north.forecast_sentence == forecast_sentence(north_forecast)
    assert north_forecast.total_minor < forecast.total_minor
