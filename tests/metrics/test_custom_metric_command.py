"""`recoup custom-metric`: the audited way to define custom metrics, record their values and set
reference values, now that the admin only shows them."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recoup.accounts.models import AuditEntry, Role
from recoup.accounts.scope import Scope
from recoup.accounts.services import team_create, user_create
from recoup.metrics.contracts import MetricRequest
from recoup.metrics.models import ReferenceValue
from recoup.metrics.selectors import metric_evaluate

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("custom_metric", *args, stdout=out)
    return out.getvalue()


def test_a_custom_metric_is_defined_recorded_and_read_by_the_kpi_engine() -> None:
    run("define", "qa_score", "--title", "QA score", "--unit", "points")
    run("record", "qa_score", "--on", "2026-09-01", "--value", "78")
    team_create(name="North")
    run("record", "qa_score", "--on", "2026-09-30", "--value", "81.5")
    run("record", "qa_score", "--on", "2026-09-30", "--value", "90", "--team", "North")
    value = metric_evaluate(
        MetricRequest("qa_score", date(2026, 9, 30)), scope=Scope.organisation("test")
    )
    assert value.value == Decimal("81.5")
    actions = list(AuditEntry.objects.values_list("action", "via").order_by("id"))
    assert ("custom_metric_define", "custom-metric") in actions
    assert actions.count(("custom_value_record", "custom-metric")) == 3
    assert "qa_score" in run("list")


def test_a_reference_value_is_set_and_listed() -> None:
    run("reference", "dso", "--period", "2025", "--source", "Survey", "--value", "52.4")
    row = ReferenceValue.objects.get(metric_id="dso", period="2025", source="Survey")
    assert row.value_text == "52.4"
    assert "reference dso" in run("list")


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="define it first"):
        run("record", "nope", "--on", "2026-09-30", "--value", "1")
    with pytest.raises(CommandError, match="catalogue metric"):
        run("define", "dso", "--title", "DSO again")
    run("define", "qa_score", "--title", "QA score")
    with pytest.raises(CommandError, match="no such user"):
        run("record", "qa_score", "--on", "2026-09-30", "--value", "1", "--collector", "ghost")
    user_create(username="nina", password=None, role=Role.COLLECTOR)
    with pytest.raises(CommandError):
        run("record", "qa_score", "--on", "2026-09-30", "--value", "eighty")
