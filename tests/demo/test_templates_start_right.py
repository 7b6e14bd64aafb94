"""Every template the library offers, applied from the page to the demo ledger, starts right:
each key result bound to a KPI has its baseline, a target from the team's own history that asks
for better, a first reading (nothing "outdated"), and the plan audit finds no error."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create
from recoup.demo.services import DemoSummary
from recoup.okrs import selectors
from recoup.okrs.models import CheckIn, Cycle, KeyResult, Objective
from recoup.okrs.services import cycle_create
from recoup.okrs.suggestions import objective_suggestions
from recoup.okrs.templates import TEMPLATES
from tests.demo.conftest import ensure_crf_reference_values
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db

TODAY = date(2026, 9, 15)


@pytest.fixture
def planner(demo_ledger: DemoSummary) -> User:
    return user_create(username="planner", password="x" * 12, role=Role.ADMIN, first_name="Pat")


def test_every_offered_template_starts_right_and_passes_the_audit(planner: User) -> None:
    with time_machine.travel(datetime(2026, 9, 15, 9, tzinfo=UTC), tick=False):
        cycle = cycle_create(
            name="2026-Q3", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30), actor=planner
        )
        client = client_for(planner)
        page = client.get(reverse("okrs:templates"), {"cycle": cycle.name})
        offered = page.context["offered"]
        # The demo ledger holds no credit applications and no collection costs.
        assert {o.template.id: o.missing for o in page.context["not_offered"]} == {
            "faster-credit-decisions": (
                "Credit approval time has no value on 1 Jul 2026",
                "Credit policy compliance has no value on 1 Jul 2026",
            ),
            "collector-performance": ("Cost to collect has no value on 1 Jul 2026",),
        }
        assert len(offered) == len(TEMPLATES) - 2
        for offer in offered:
            commitment = "aspirational" if offer.template.id == "recover-more" else "committed"
            response = client.post(
                reverse("okrs:templates"),
                {
                    "template": offer.template.id,
                    "cycle": cycle.name,
                    "team": "",
                    "owner": "",
                    "commitment": commitment,
                },
            )
            assert response.status_code == 302, offer.template.id
        status = selectors.cycle_status(cycle=cycle, today=TODAY)
    assert Objective.objects.filter(cycle=cycle).count() == len(offered)
    bound = KeyResult.objects.filter(objective__cycle=cycle).exclude(metric="")
    assert bound.count() >= 12
    for kr in bound:
        assert kr.baseline is not None, kr.key
        assert kr.target is not None, kr.key
        if kr.kind == "increase_to":
            assert kr.target > kr.baseline, kr.key
        elif kr.kind == "decrease_to":
            assert kr.target < kr.baseline, kr.key
        assert CheckIn.objects.filter(key_result=kr, data_date=TODAY).exists(), kr.key
    states = [k for o in status.objectives for k in o.key_results if k.metric]
    assert states
    assert not [k.title for k in states if k.outdated]
    errors = [f for f in selectors.cycle_audit(cycle=cycle).findings if f.severity == "error"]
    assert errors == []
    assert Cycle.objects.count() == 1


def test_the_new_cycle_form_proposes_objectives_for_the_kpis_furthest_behind(
    planner: User,
) -> None:
    ensure_crf_reference_values()
    with time_machine.travel(datetime(2026, 9, 15, 9, tzinfo=UTC), tick=False):
        suggestions = objective_suggestions(today=TODAY)
        page = client_for(planner).get(reverse("okrs:cycle_new")).content.decode()
    assert suggestions
    worst = suggestions[0]
    # Worst first, each against the CRF median, with the template that works on it.
    assert [s.behind for s in suggestions] == sorted((s.behind for s in suggestions), reverse=True)
    assert all(s.behind > 0 for s in suggestions)
    assert re.fullmatch(
        r".+ is .+, (your best recent quarter was .+, )?the CRF median is .+\.", worst.sentence
    )
    assert worst.template is not None
    assert worst.sentence in page.replace("&#x27;", "'")
    assert f"#tpl-{worst.template.id}" in page
