"""A person's decimal mark: set on their own account page or by an admin on the person's page,
audited, and read wherever they type an OKR number."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from recoup.accounts.models import AuditEntry, DecimalMark, User
from recoup.accounts.services import AccountRuleError, user_decimal_mark_set
from recoup.core.errors import AccessDeniedError
from recoup.okrs.models import KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.services import plan_apply
from tests.okrs.conftest import PLAN
from tests.web.conftest import World, client_for


def test_everyone_chooses_their_decimal_mark_on_their_account_page(world: World) -> None:
    client = client_for(world.north_collector)
    page = client.get(reverse("web:settings_tokens")).content.decode()
    assert "Number format" in page
    assert 'value="." id="id_decimal_mark_0" required checked' in page
    response = client.post(reverse("web:settings_number_format"), {"decimal_mark": ","})
    assert response.status_code == 302
    world.north_collector.refresh_from_db()
    assert world.north_collector.decimal_mark == DecimalMark.COMMA
    entry = AuditEntry.objects.get(action="user_update", object_id=str(world.north_collector.pk))
    assert (entry.before, entry.after) == ({"decimal_mark": "."}, {"decimal_mark": ","})
    assert entry.actor == world.north_collector
    page = client.get(reverse("web:settings_tokens")).content.decode()
    assert "Number format saved." in page
    assert 'value="," id="id_decimal_mark_1" required checked' in page


def test_a_decimal_mark_that_is_not_one_is_refused(world: World) -> None:
    client = client_for(world.viewer)
    response = client.post(reverse("web:settings_number_format"), {"decimal_mark": ";"})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    world.viewer.refresh_from_db()
    assert world.viewer.decimal_mark == DecimalMark.POINT
    with pytest.raises(AccountRuleError, match="not a decimal mark"):
        user_decimal_mark_set(user=world.viewer, decimal_mark=";", actor=world.viewer)


def test_an_admin_sets_a_persons_decimal_mark_and_nobody_else_does(world: World) -> None:
    url = reverse("web:settings_user", args=[world.south_collector.pk])
    page = client_for(world.admin).get(url).content.decode()
    assert "Decimal mark" in page
    response = client_for(world.admin).post(
        url, {"first_name": "Sam", "role": "collector", "decimal_mark": ","}
    )
    assert response.status_code == 302
    world.south_collector.refresh_from_db()
    assert world.south_collector.decimal_mark == ","
    entry = AuditEntry.objects.filter(action="user_update").latest("id")
    assert entry.actor == world.admin
    assert entry.after is not None
    assert entry.after["decimal_mark"] == ","
    with pytest.raises(AccessDeniedError):
        user_decimal_mark_set(
            user=world.south_collector, decimal_mark=".", actor=world.north_collector
        )


def test_the_key_result_form_reads_and_shows_numbers_with_the_persons_mark(world: World) -> None:
    plan_apply(plan=plan_parse(PLAN, source="quarter.yaml"), via="test")
    ninety = KeyResult.objects.get(key="ninety")
    user_decimal_mark_set(user=world.manager, decimal_mark=",")
    client = client_for(world.manager)
    url = reverse("okrs:key_result_edit", args=[ninety.pk])
    assert 'value="500000"' in client.get(url).content.decode()
    response = client.post(
        url, {"title": ninety.title, "unit": "USD", "baseline": "500.000,5", "target": "400000"}
    )
    assert response.status_code == 302
    ninety.refresh_from_db()
    assert ninety.baseline == Decimal("500000.5")
    assert 'value="500000,5"' in client.get(url).content.decode()
    user = User.objects.get(pk=world.manager.pk)
    assert user.decimal_mark == ","
