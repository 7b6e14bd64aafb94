"""Tables sorted in the database put blanks last whichever way round, and sort people by the
name the page shows: the customers' segment and country, the audit's "who"."""

from __future__ import annotations

import csv
import io

from django.test import Client

from recoup.accounts.models import AuditEntry, User
from recoup.accounts.services import audit_record
from recoup.ledger.models import Customer
from tests.web.conftest import World, client_for


def _csv(client: Client, url: str, **query: str) -> list[list[str]]:
    response = client.get(url, query)
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_customers_without_a_country_come_last_either_way(world: World) -> None:
    Customer.objects.filter(pk=world.south_customer.pk).update(country="US")
    Customer.objects.filter(pk=world.unassigned_customer.pk).update(country="DE")
    client = client_for(world.admin)
    up = _csv(client, "/ledger/customers/export/", sort="country")
    assert [r[0] for r in up[1:]] == ["Unassigned Union", "Southern Cross Ltd", "Northwind Traders"]
    down = _csv(client, "/ledger/customers/export/", sort="-country")
    assert [r[0] for r in down[1:]] == [
        "Southern Cross Ltd",
        "Unassigned Union",
        "Northwind Traders",
    ]
    # The page lists them as the download does.
    page = client.get("/ledger/customers/", {"sort": "-country"}).content.decode()
    assert page.index("Southern Cross Ltd") < page.index("Unassigned Union")
    assert page.index("Unassigned Union") < page.index("Northwind Traders")


def test_the_audit_sorts_people_by_their_shown_name_with_the_system_last(world: World) -> None:
    AuditEntry.objects.all().delete()
    User.objects.filter(pk=world.manager.pk).update(first_name="Zoe", last_name="Adams")
    User.objects.filter(pk=world.admin.pk).update(first_name="")
    # ada has no name: she is shown, and sorted, by her username.
    for actor in (world.manager, None, world.admin):
        audit_record(action="customer.update", object_type="customer", object_id=1, actor=actor)
    client = client_for(world.admin)
    up = _csv(client, "/audit/export/", sort="who")
    names = [r[1] for r in up[1:]]
    assert names[:2] == ["ada", "Zoe Adams"]
    assert len(names) == 3
    down = _csv(client, "/audit/export/", sort="-who")
    assert [r[1] for r in down[1:]][:2] == ["Zoe Adams", "ada"]
    assert [r[1] for r in down[1:]][2] == names[2]  # the entry of nobody: last both ways
    assert client.get("/audit/", {"sort": "-who"}).status_code == 200
