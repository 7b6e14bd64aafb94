"""A NUL character in a request's text is refused where it stands, never a server error.

PostgreSQL cannot take a NUL in text: before this guard, `POST /api/okrs/objectives` with a NUL
in `cycle` answered 500 there (found by the schema fuzzer)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from recoup.accounts.models import Role
from recoup.accounts.services import user_create
from recoup.okrs.models import Objective

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Client:
    user = user_create(username="ada", password="a long pass phrase 42", role=Role.ADMIN)
    client = Client()
    client.force_login(user)
    return client


def test_a_nul_in_a_json_body_is_a_422_naming_the_field(admin: Client) -> None:
    body = {"cycle": "2026-Q3\x00", "key": "k", "title": "T"}
    response = admin.post("/api/okrs/objectives", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json() == {"detail": "body.cycle holds a NUL character, which is not text"}
    assert not Objective.objects.exists()


def test_a_nul_in_a_json_key_or_a_nested_list_is_found(admin: Client) -> None:
    body = {"yaml": "cycle: {}", "extra": [{"a\x00": 1}]}
    response = admin.post("/api/okrs/plans", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert "body.extra[0] key 'a\\x00'" in response.json()["detail"]


def test_a_nul_in_a_query_parameter_or_a_form_field_is_a_400(admin: Client) -> None:
    page = admin.get("/ledger/customers/", {"q": "Acme\x00"})
    assert page.status_code == 400
    assert "query parameter 'q'" in page.content.decode()
    api = admin.get("/api/metrics/ar_total", {"as_of": "2026-06-30\x00"})
    assert api.status_code == 422
    form = admin.post(
        "/settings/teams/",
        urlencode({"name": "North\x00"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert form.status_code == 400
    assert "form field 'name'" in form.content.decode()


def test_text_without_nul_passes_through(admin: Client) -> None:
    assert admin.get("/ledger/customers/", {"q": "Acme"}).status_code == 200
    bad_json = admin.post("/api/okrs/plans", "{not json", content_type="application/json")
    assert bad_json.status_code in {400, 422}
