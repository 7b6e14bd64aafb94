"""The import page: a bad file gets its validation report and changes nothing; a dry run changes
nothing; a good file imports; viewers cannot import."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recoup.ingest.models import ImportRun
from recoup.ledger.models import Customer
from tests.web.conftest import World, client_for

GOOD = b"external_id,name,segment,country,time_zone\nK-1,Kappa Ltd,SMB,GB,Europe/London\nK-2,Lambda Inc,Mid,US,America/Chicago\n"
BAD = b"external_id,name,time_zone\nK-3,Mu GmbH,Europe/Berlin\nK-4,,Mars/Olympus\n"


def _upload(
    client: object, content: bytes, *, dry_run: bool, name: str = "customers.csv"
) -> object:
    data = {"kind": "customers", "mapping": "", "file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("ingest:run"), data)


def test_the_import_page_offers_kinds_and_mappings(world: World) -> None:
    body = client_for(world.manager).get(reverse("ingest:index")).content.decode()
    assert '<option value="invoices">invoices</option>' in body
    assert "ibm-accounts-receivable" in body
    assert 'enctype="multipart/form-data"' in body


def test_a_bad_file_shows_its_report_and_changes_nothing(world: World) -> None:
    before = Customer.objects.count()
    response = _upload(client_for(world.manager), BAD, dry_run=False)
    body = response.content.decode()
    assert response.status_code == 422
    assert "problems found: nothing was changed" in body
    assert "Mars/Olympus" in body
    assert Customer.objects.count() == before
    assert not Customer.objects.filter(external_id="K-3").exists()
    assert ImportRun.objects.get().status == "rejected"


def test_a_dry_run_checks_everything_and_changes_nothing(world: World) -> None:
    before = Customer.objects.count()
    body = _upload(client_for(world.manager), GOOD, dry_run=True).content.decode()
    assert "Dry run passed: nothing was changed" in body
    assert Customer.objects.count() == before


def test_a_good_file_imports_and_a_second_upload_changes_nothing(world: World) -> None:
    client = client_for(world.manager)
    body = _upload(client, GOOD, dry_run=False).content.decode()
    assert "Imported" in body
    assert Customer.objects.get(external_id="K-2").name == "Lambda Inc"
    again = _upload(client, GOOD, dry_run=False).content.decode()
    assert '<td class="num">0</td><td class="num">0</td><td class="num">2</td>' in again


def test_a_file_of_the_wrong_type_is_refused_before_reading(world: World) -> None:
    response = _upload(client_for(world.manager), b"%PDF-1.4", dry_run=True, name="ledger.pdf")
    assert response.status_code == 422
    assert "expected a .csv, .xlsx or .parquet file, not .pdf" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_viewer_cannot_import(world: World) -> None:
    client = client_for(world.viewer)
    assert "Upload a file" not in client.get(reverse("ingest:index")).content.decode()
    assert _upload(client, GOOD, dry_run=False).status_code == 403
    assert not Customer.objects.filter(external_id="K-1").exists()
