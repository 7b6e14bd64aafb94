"""The import page: a bad file gets its validation report and changes nothing; a dry run changes
nothing; a good file imports; viewers cannot import."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from recoup.ingest import claims, runs
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.ingest.runs import (
    ProgressThrottle,
    import_run_progress_record,
    import_run_start,
    import_threads_join,
)
from recoup.ledger.models import Customer, Invoice
from tests.web.conftest import World, client_for

# The import runs in a thread with its own database connection: it must see committed data.
pytestmark = pytest.mark.django_db(transaction=True)

GOOD = b"external_id,name,segment,country,time_zone\nK-1,Kappa Ltd,SMB,GB,Europe/London\nK-2,Lambda Inc,Mid,US,America/Chicago\n"
BAD = b"external_id,name,time_zone\nK-3,Mu GmbH,Europe/Berlin\nK-4,,Mars/Olympus\n"


def _upload(client: Any, content: bytes, *, dry_run: bool, name: str = "customers.csv") -> Any:
    """Upload as the page does, wait for the background import, and open the run's page."""
    data = {"kind": "customers", "mapping": "", "file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    response = client.post(reverse("ingest:run"), data)
    if response.status_code != 302:
        return response
    import_threads_join()
    return client.get(response["Location"])


def test_the_import_page_offers_kinds_and_mappings(world: World) -> None:
    body = client_for(world.manager).get(reverse("ingest:index")).content.decode()
    assert '<option value="invoices">invoices</option>' in body
    assert "ibm-accounts-receivable" in body
    assert 'enctype="multipart/form-data"' in body


def test_a_bad_file_shows_its_report_and_changes_nothing(world: World) -> None:
    before = Customer.objects.count()
    response = _upload(client_for(world.manager), BAD, dry_run=False)
    body = response.content.decode()
    assert response.status_code == 200
    assert "problems found: nothing was changed" in body
    assert "Mars/Olympus" in body
    assert '<option value="customers" selected>customers</option>' in body
    assert Customer.objects.count() == before
    assert not Customer.objects.filter(external_id="K-3").exists()
    assert ImportRun.objects.get().status == "rejected"


def test_a_dry_run_checks_everything_and_changes_nothing(world: World) -> None:
    before = Customer.objects.count()
    client = client_for(world.manager)
    body = _upload(client, GOOD, dry_run=True).content.decode()
    assert "Dry run passed: nothing was changed" in body
    assert Customer.objects.count() == before
    # The upload is kept a while: its mapping can be changed and checked again at once.
    link = re.search(r'href="(/import/map/[^/"]+/)" id="mapping-again"', body)
    assert link is not None
    page = client.get(link.group(1)).content.decode()
    assert '<option value="external_id" selected>' in page


def test_a_good_file_imports_and_a_second_upload_changes_nothing(world: World) -> None:
    client = client_for(world.manager)
    body = _upload(client, GOOD, dry_run=False).content.decode()
    assert "Imported" in body
    assert "Change the column mapping" not in body
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


# --- long files: the run page shows progress, then the result ---------------------------------


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def import_thread() -> Iterator[Callable[[int], None]]:
    """Stands in for the thread of this process that imports a run: alive until the test ends."""
    done = threading.Event()
    registered: list[int] = []

    def start(run_id: int) -> None:
        thread = threading.Thread(target=done.wait, daemon=True)
        thread.start()
        claims._threads[run_id] = thread
        registered.append(run_id)

    yield start
    done.set()
    for run_id in registered:
        claims._threads.pop(run_id, None)


def _running_run(world: World) -> ImportRun:
    return ImportRun.objects.create(
        kind="invoices",
        file_name="big.csv",
        started_at=timezone.now(),
        status=ImportStatus.RUNNING,
        started_by=world.manager,
    )


def test_a_running_import_shows_its_phase_and_a_moving_progress_bar(
    world: World, import_thread: Callable[[int], None]
) -> None:
    run = _running_run(world)
    import_thread(run.pk)
    client = client_for(world.manager)
    url = reverse("ingest:run_detail", args=[run.pk])
    page = client.get(url).content.decode()
    assert "Importing big.csv" in page
    assert "Starting" in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    import_run_progress_record(run_id=run.pk, phase="reading invoices", seen=200_000, total=800_000)
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="import-run"')
    assert f'hx-get="{url}" hx-trigger="every 1s"' in fragment
    assert "Reading invoices: 200,000 rows of about 800,000" in fragment
    assert 'max="100" value="25"' in fragment
    import_run_progress_record(run_id=run.pk, phase="reading invoices", seen=600_000, total=800_000)
    later = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'max="100" value="75"' in later


def test_the_run_page_polls_until_the_import_ends_then_shows_the_result(
    world: World, tmp_path: Path
) -> None:
    client = client_for(world.manager)
    response = client.post(
        reverse("ingest:run"),
        {"kind": "customers", "mapping": "", "file": SimpleUploadedFile("c.csv", GOOD)},
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("ingest:run_detail", args=[run.pk])
    import_threads_join()
    fragment = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment  # polling stops: the result replaces the progress bar
    assert "Imported" in fragment
    # The recent imports below are refreshed in the same answer, out of band.
    recent = fragment[fragment.index('<section class="card" id="recent-imports"') :]
    assert recent.startswith(
        '<section class="card" id="recent-imports" aria-labelledby="runs-title" hx-swap-oob="true">'
    )
    assert "Succeeded" in recent
    run.refresh_from_db()
    assert (run.status, run.rows, run.inserted, run.started_by) == (
        "succeeded",
        2,
        2,
        world.manager,
    )
    assert run.sha256
    assert not (tmp_path / "uploads" / str(run.pk)).exists()


def test_progress_reports_are_throttled_but_every_phase_is_recorded() -> None:
    recorded: list[tuple[str, int, int | None]] = []
    now = [0.0]
    throttle = ProgressThrottle(
        lambda *report: recorded.append(report), interval=0.25, clock=lambda: now[0]
    )
    throttle("reading invoices", 100_000, 1_000_000)
    for seen in (200_000, 300_000, 400_000):
        now[0] += 0.05
        throttle("reading invoices", seen, 1_000_000)
    now[0] += 0.25
    throttle("reading invoices", 500_000, 1_000_000)
    throttle("checking invoices", 1_000_000, 1_000_000)
    throttle("loaded invoices", 1_000_000, 1_000_000)
    assert recorded == [
        ("reading invoices", 100_000, 1_000_000),
        ("reading invoices", 500_000, 1_000_000),
        ("checking invoices", 1_000_000, 1_000_000),
        ("loaded invoices", 1_000_000, 1_000_000),
    ]


def test_an_import_records_each_phase_where_the_run_page_reads_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read back through the page's selector right after each write: the file is removed at the end.
    read_back: list[tuple[str, int, int | None]] = []
    record = runs.import_run_progress_record

    def record_and_read_back(*, run_id: int, phase: str, seen: int, total: int | None) -> None:
        record(run_id=run_id, phase=phase, seen=seen, total=total)
        progress = runs.import_run_progress(run=ImportRun.objects.get(pk=run_id))
        read_back.append((progress.phase, progress.seen, progress.total))

    monkeypatch.setattr(runs, "import_run_progress_record", record_and_read_back)
    run = import_run_start(
        kind="customers",
        file_name="c.csv",
        chunks=[GOOD],
        mapping=None,
        dry_run=True,
        actor=world.manager,
        background=False,
    )
    assert run.status == "dry_run"
    assert [phase for phase, _, _ in read_back] == [
        "starting",
        "reading customers",
        "checking customers",
        # A dry run only checks: it never takes the write lock to load (decision 0015).
        "checked customers",
    ]
    assert read_back[1][1] == 2
    assert not Customer.objects.filter(external_id="K-1").exists()


def test_a_crash_in_the_import_thread_marks_the_run_failed_with_the_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(**kwargs: Any) -> None:
        raise RuntimeError("disk full while staging")

    monkeypatch.setattr(runs, "ledger_file_import", crash)
    body = _upload(client_for(world.manager), GOOD, dry_run=False).content.decode()
    run = ImportRun.objects.get()
    assert run.status == "failed"
    assert run.error == "the import crashed: RuntimeError: disk full while staging"
    assert run.finished_at is not None
    assert "The file could not be imported" in body
    assert "disk full while staging" in body
    assert not Customer.objects.filter(external_id="K-1").exists()


def test_an_unknown_mapping_fails_the_run_and_changes_nothing(world: World) -> None:
    run = import_run_start(
        kind="customers",
        file_name="c.csv",
        chunks=[GOOD],
        mapping="no-such-preset",
        dry_run=False,
        actor=world.manager,
        background=False,
    )
    assert run.status == "failed"
    assert "mapping 'no-such-preset': no such preset or file" in run.error
    assert not Customer.objects.filter(external_id="K-1").exists()


def test_a_second_import_waits_for_the_running_one(world: World) -> None:
    _running_run(world)
    response = client_for(world.manager).post(
        reverse("ingest:run"),
        {"kind": "customers", "mapping": "", "file": SimpleUploadedFile("c.csv", GOOD)},
    )
    assert response.status_code == 409
    assert "big.csv is being imported" in response.content.decode()
    assert ImportRun.objects.count() == 1


def test_a_run_whose_thread_is_gone_is_marked_failed_when_looked_at(world: World) -> None:
    run = _running_run(world)
    ImportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(hours=1))
    body = client_for(world.manager).get(reverse("ingest:run_detail", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "failed"
    assert "the import stopped without finishing" in body.content.decode()


# --- choosing and editing the column mapping -----------------------------------------------------

ERP = b"Kunde Nr,Firma,Land\nK-7,Kappa GmbH,DE\nK-8,Lambda AG,AT\n"


def _stage(client: Any, content: bytes = ERP, mapping: str = "") -> Any:
    return client.post(
        reverse("ingest:run"),
        {
            "kind": "customers",
            "mapping": mapping,
            "file": SimpleUploadedFile("erp.csv", content),
            "action": "map",
        },
    )


def _map(client: Any, url: str, action: str = "dry_run", **fields: str) -> Any:
    data = {f"field-{name}": column for name, column in fields.items()}
    data["action"] = action
    save_as = data.pop("field-save_as", "")
    if save_as:
        data["save_as"] = save_as
    response = client.post(url, data)
    if response.status_code != 302:
        return response
    import_threads_join()
    return client.get(response["Location"])


def test_choosing_columns_shows_the_files_columns_beside_the_fields(world: World) -> None:
    client = client_for(world.manager)
    response = _stage(client)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "erp.csv · customers · 3 columns in the file" in page
    assert '<label for="field-external_id">external_id</label>' in page
    assert '<option value="Firma">Firma — e.g. Kappa GmbH, Lambda AG</option>' in page
    # Nothing in this file is named like a field: every select starts at "not in the file".
    assert '<option value="" selected>(not in the file)</option>' in page
    assert not ImportRun.objects.exists()


def test_an_edited_mapping_dry_runs_then_imports_and_is_saved_as_a_preset(
    world: World, tmp_path: Path
) -> None:
    client = client_for(world.manager)
    url = _stage(client)["Location"]
    dry = _map(client, url, external_id="Kunde Nr", name="Firma", country="Land")
    body = dry.content.decode()
    assert "Dry run passed: nothing was changed" in body
    assert "Change the column mapping and check again" in body
    assert not Customer.objects.filter(external_id="K-7").exists()
    # Back on the mapping page, the mapping just used is what is filled in.
    again = client.get(url).content.decode()
    assert '<option value="Firma" selected>' in again
    done = _map(
        client,
        url,
        action="import",
        external_id="Kunde Nr",
        name="Firma",
        country="Land",
        save_as="acme-erp",
    )
    assert "Imported" in done.content.decode()
    assert Customer.objects.get(external_id="K-8").name == "Lambda AG"
    run = ImportRun.objects.latest("id")
    assert (run.status, run.mapping, run.dry_run) == ("succeeded", "acme-erp", False)
    assert (tmp_path / "mapping-presets" / "acme-erp.yaml").is_file()
    # The saved preset is offered on the upload form and imports the same layout directly.
    form = client.get(reverse("ingest:index")).content.decode()
    assert '<option value="acme-erp">acme-erp (ours)</option>' in form
    more = b"Kunde Nr,Firma,Land\nK-9,Mu SA,FR\n"
    client.post(
        reverse("ingest:run"),
        {"kind": "customers", "mapping": "acme-erp", "file": SimpleUploadedFile("m.csv", more)},
    )
    import_threads_join()
    assert Customer.objects.get(external_id="K-9").country == "FR"


def test_a_mapping_without_a_required_field_is_refused_and_nothing_runs(world: World) -> None:
    client = client_for(world.manager)
    url = _stage(client)["Location"]
    response = _map(client, url, name="Firma", country="Land")
    assert response.status_code == 422
    assert "external_id is required: choose the column that holds it" in response.content.decode()
    assert '<option value="Land" selected>' in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_preset_fills_in_the_mapping_and_keeps_what_it_computes(world: World) -> None:
    client = client_for(world.manager)
    ibm = Path(__file__).resolve().parents[1] / "fixtures/ingest/ibm-accounts-receivable.csv"
    staged = client.post(
        reverse("ingest:run"),
        {
            "kind": "payments",
            "mapping": "ibm-accounts-receivable",
            "file": SimpleUploadedFile("ibm.csv", ibm.read_bytes()),
            "action": "map",
        },
    )
    page = client.get(staged["Location"]).content.decode()
    assert '<option value="__keep__" selected>Keep: template PAY-{invoiceNumber}</option>' in page
    assert '<option value="SettledDate" selected>' in page
    standard = client.get(staged["Location"], {"preset": ""}).content.decode()
    assert "Keep: template" not in standard


def test_someone_elses_staged_upload_is_not_found(world: World) -> None:
    url = _stage(client_for(world.manager))["Location"]
    assert client_for(world.north_collector).get(url).status_code == 404
    assert client_for(world.viewer).get(url).status_code == 403


def test_a_file_that_cannot_be_read_says_so_instead_of_a_mapping(world: World) -> None:
    client = client_for(world.manager)
    staged = client.post(
        reverse("ingest:run"),
        {
            "kind": "customers",
            "mapping": "",
            "file": SimpleUploadedFile("broken.xlsx", b"not a spreadsheet"),
            "action": "map",
        },
    )
    response = client.get(staged["Location"])
    assert response.status_code == 422
    assert "The import did not start" in response.content.decode()
    assert "broken.xlsx" in response.content.decode()


def test_a_preset_that_does_not_fit_the_kind_falls_back_to_standard_columns(
    world: World,
) -> None:
    client = client_for(world.manager)
    staged = client.post(
        reverse("ingest:run"),
        {
            "kind": "agencies",
            "mapping": "",
            "file": SimpleUploadedFile("a.csv", b"external_id,name\nA-1,Acme Collect\n"),
            "action": "map",
        },
    )
    response = client.get(staged["Location"], {"preset": "ibm-accounts-receivable"}, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("?preset=")
    assert "mapping &#x27;ibm-accounts-receivable&#x27; does not produce agencies" in body
    assert "Fields of agencies" in body
    assert '<option value="name" selected>' in body


def test_the_import_page_reads_its_history_in_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.manager)
    _running_run(world)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("ingest:index"))
    for n in range(10):
        ImportRun.objects.create(
            kind="customers",
            file_name=f"c{n}.csv",
            started_at=timezone.now(),
            finished_at=timezone.now(),
            status=ImportStatus.SUCCEEDED,
            started_by=world.admin,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("ingest:index"))


def test_a_rejected_run_shows_its_problems_from_the_report_before_they_are_stored(
    world: World,
) -> None:
    run = import_run_start(
        kind="customers",
        file_name="bad.csv",
        chunks=[BAD],
        mapping=None,
        dry_run=False,
        actor=world.manager,
        background=False,
    )
    assert run.status == "rejected"
    assert any(p["value"] == "Mars/Olympus" for p in run.problems)
    # The moment between "rejected" and its problems being stored on the run.
    ImportRun.objects.filter(pk=run.pk).update(problems=[])
    body = client_for(world.manager).get(reverse("ingest:run_detail", args=[run.pk]))
    assert "<code>Mars/Olympus</code>" in body.content.decode()


def test_an_upload_that_cannot_be_saved_fails_its_run_and_blocks_nothing(world: World) -> None:
    def broken_upload() -> Iterator[bytes]:
        yield b"external_id,name\n"
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"):
        import_run_start(
            kind="customers",
            file_name="c.csv",
            chunks=broken_upload(),
            mapping=None,
            dry_run=False,
            actor=world.manager,
        )
    run = ImportRun.objects.get()
    assert run.status == "failed"
    assert run.error == "the import could not start: OSError: No space left on device"
    again = _upload(client_for(world.manager), GOOD, dry_run=False)
    assert "Imported" in again.content.decode()


def test_a_run_whose_web_process_has_exited_is_marked_failed_at_once(world: World) -> None:
    run = _running_run(world)
    finished = subprocess.Popen(["true"])  # a process that has certainly exited
    finished.wait()
    import_run_progress_record(run_id=run.pk, phase="reading invoices", seen=10, total=100)
    progress_file = Path(runs.run_folder(run.pk)) / "progress.json"
    data = json.loads(progress_file.read_text())
    progress_file.write_text(json.dumps({**data, "pid": finished.pid}))
    client_for(world.manager).get(reverse("ingest:run_detail", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "failed"
    assert "the server stopped or restarted" in run.error


def test_a_run_of_another_live_web_process_is_left_running(world: World) -> None:
    run = _running_run(world)
    import_run_progress_record(run_id=run.pk, phase="reading invoices", seen=10, total=100)
    progress_file = Path(runs.run_folder(run.pk)) / "progress.json"
    data = json.loads(progress_file.read_text())
    progress_file.write_text(json.dumps({**data, "pid": os.getppid()}))
    client_for(world.manager).get(reverse("ingest:run_detail", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "running"


def test_a_run_this_process_no_longer_runs_is_marked_failed(world: World) -> None:
    run = _running_run(world)
    import_run_progress_record(run_id=run.pk, phase="reading invoices", seen=10, total=100)
    client_for(world.manager).get(reverse("ingest:run_detail", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "failed"


# --- the page guides: columns and templates, date formats, import now ----------------------------


def test_the_import_page_explains_each_kinds_columns_with_a_template(world: World) -> None:
    body = client_for(world.manager).get(reverse("ingest:index")).content.decode()
    assert '<details class="kind-guide" id="kind-invoices">' in body
    assert 'href="/import/templates/invoices.csv" download' in body
    assert '<th scope="row"><code>due_date</code></th>' in body
    assert "The day payment is due" in body
    assert "<code>INV-1001</code>" in body
    # A collector is shown only the kinds a collector may import.
    mine = client_for(world.north_collector).get(reverse("ingest:index")).content.decode()
    assert 'id="kind-activities"' in mine
    assert 'id="kind-invoices"' not in mine


def test_a_template_downloads_as_csv_for_the_kinds_one_may_import(world: World) -> None:
    response = client_for(world.manager).get(reverse("ingest:template", args=["invoices"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="recoup-invoices-template.csv"'
    )
    header, example = response.content.decode().splitlines()
    assert header == "external_id,customer,issue_date,due_date,amount,currency,description,delivery"
    assert example.startswith("INV-1001,C-1001,2026-03-01,2026-03-31,1200.00,USD,")
    collector = client_for(world.north_collector)
    assert collector.get(reverse("ingest:template", args=["customers"])).status_code == 403
    activities = collector.get(reverse("ingest:template", args=["activities"]))
    assert activities.status_code == 200
    assert ",nina," in activities.content.decode()  # the example collector is the reader
    missing = client_for(world.manager).get(reverse("ingest:template", args=["invoice"]))
    assert missing.status_code == 404
    viewer = client_for(world.viewer).get(reverse("ingest:template", args=["invoices"]))
    assert viewer.status_code == 403


def test_a_downloaded_template_uploads_and_imports_as_it_is(world: World) -> None:
    client = client_for(world.manager)
    template = client.get(reverse("ingest:template", args=["customers"])).content
    body = _upload(client, template, dry_run=False).content.decode()
    assert "Imported" in body
    assert Customer.objects.get(external_id="C-1001").name == "Acme Trading Ltd"


DOTTED = (
    b"Rechnung,Kunde,Datum,Faellig,Betrag\n"
    b"R-1,C-N1,01.03.2026,31.03.2026,120.00\n"
    b"R-2,C-S1,2.4.2026,2.5.2026,80.50\n"
)
AMBIGUOUS = b"external_id,customer,issue_date,due_date,amount\nA-1,C-N1,03/04/2026,04/05/2026,10\n"


def _stage_invoices(client: Any, content: bytes, *, dry_run: bool = False) -> Any:
    data = {"kind": "invoices", "mapping": "", "file": SimpleUploadedFile("inv.csv", content)}
    if dry_run:
        data["dry_run"] = "on"
    else:
        data["action"] = "map"
    return client.post(reverse("ingest:run"), data)


DOTTED_COLUMNS = {
    "field-external_id": "Rechnung",
    "field-customer": "Kunde",
    "field-issue_date": "Datum",
    "field-due_date": "Faellig",
    "field-amount": "Betrag",
}


def test_dates_written_day_month_year_are_recognised_previewed_and_imported(
    world: World,
) -> None:
    client = client_for(world.manager)
    url = _stage_invoices(client, DOTTED)["Location"]
    page = client.get(url).content.decode()
    # Nothing is named like the fields: no date column yet, so nothing to preview.
    assert "No date column is chosen yet" in page
    preview = client.post(url, {**DOTTED_COLUMNS, "date_format": "iso", "action": "preview"})
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "seem to be written <strong>day.month.year</strong> (all 4 in the first rows" in body
    assert "not read: a date like 2024-01-31 (%Y-%m-%d)" in body
    # Another format is chosen: the page names the one that reads them.
    assert "Choose “day.month.year” above to read them so." in body
    fragment = client.post(
        url,
        {**DOTTED_COLUMNS, "date_format": "dmy-dot", "action": "preview"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert fragment.lstrip().startswith('<p id="date-guess"')
    assert (
        '<td><code>2.4.2026</code></td>\n      <td><span class="date-ok">2 April 2026</span>'
        in (fragment)
    )
    dry = client.post(url, {**DOTTED_COLUMNS, "date_format": "dmy-dot", "action": "dry_run"})
    import_threads_join()
    result = client.get(dry["Location"]).content.decode()
    assert "Dry run passed: nothing was changed" in result
    assert 'id="import-now"' in result
    # Back on the mapping page, the format just used is the one chosen.
    again = client.get(url).content.decode()
    assert '<option value="dmy-dot" selected>day.month.year — 31.01.2024</option>' in again


def test_a_mapping_page_chooses_the_one_format_the_files_dates_are_in(world: World) -> None:
    client = client_for(world.manager)
    named = b"external_id,customer,issue_date,due_date,amount\nR-1,C-N1,01.03.2026,31.03.2026,1\n"
    page = client.get(_stage_invoices(client, named)["Location"]).content.decode()
    assert '<option value="dmy-dot" selected>' in page
    assert "Chosen for you: the file&#x27;s dates are written day.month.year." in page
    assert '<span class="date-ok">31 March 2026</span>' in page


def test_ambiguous_dates_are_named_so_and_no_format_is_chosen_for_them(world: World) -> None:
    client = client_for(world.manager)
    page = client.get(_stage_invoices(client, AMBIGUOUS)["Location"]).content.decode()
    assert "<strong>Ambiguous:</strong> the first 2 dates read as <em>day/month/year</em>" in page
    assert "or <em>month/day/year</em>: no day above 12 tells day and month apart" in page
    assert '<option value="iso" selected>' in page
    assert "Chosen for you" not in page


def test_an_unknown_date_format_is_refused_where_it_stands(world: World) -> None:
    client = client_for(world.manager)
    url = _stage_invoices(client, DOTTED)["Location"]
    response = client.post(url, {**DOTTED_COLUMNS, "date_format": "%d%d", "action": "dry_run"})
    assert response.status_code == 422
    assert "date format &#x27;%d%d&#x27;: choose one of year-month-day" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_rejected_file_with_unread_dates_points_to_the_date_format(world: World) -> None:
    client = client_for(world.manager)
    staged = _stage_invoices(
        client,
        DOTTED.replace(
            b"Rechnung,Kunde,Datum,Faellig,Betrag",
            b"external_id,customer,issue_date,due_date,amount",
        ),
        dry_run=True,
    )
    import_threads_join()
    body = client.get(staged["Location"]).content.decode()
    assert "problems found: nothing was changed" in body
    # The report spans the page above the upload form, not half a column beside it, so that
    # what was expected is not cut off.
    assert body.index('<table class="problem-table') < body.index('<div class="grid grid-2">')
    assert '<td data-label="Expected">a date like 2024-01-31 (%Y-%m-%d)</td>' in body
    assert 'id="date-hint"' in body
    assert "Dates in the file are written" in body
    assert 'id="import-now"' not in body


def test_import_now_imports_the_checked_file_with_the_checked_mapping(world: World) -> None:
    client = client_for(world.manager)
    url = _stage_invoices(client, DOTTED)["Location"]
    dry = client.post(url, {**DOTTED_COLUMNS, "date_format": "dmy-dot", "action": "dry_run"})
    import_threads_join()
    checked = ImportRun.objects.get()
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert dry["Location"].endswith(f"?upload={token}")
    response = client.post(reverse("ingest:import_now", args=[checked.pk]), {"upload": token})
    import_threads_join()
    imported = ImportRun.objects.latest("id")
    assert response["Location"] == reverse("ingest:run_detail", args=[imported.pk])
    assert (imported.status, imported.dry_run, imported.rows) == ("succeeded", False, 2)
    assert imported.sha256 == checked.sha256
    assert imported.mapping == "standard-edited"
    invoice = Invoice.objects.get(external_id="R-2")
    assert (invoice.issue_date, invoice.amount_minor) == (date(2026, 4, 2), 80_50)
    assert "Imported" in client.get(response["Location"]).content.decode()
    # Pressed again (a double click, the back button): the import it started, not a second one.
    again = client.post(reverse("ingest:import_now", args=[checked.pk]), {"upload": token})
    assert again["Location"] == response["Location"]
    assert ImportRun.objects.count() == 2
    # The dry run's page no longer offers it.
    page = client.get(dry["Location"]).content.decode()
    assert 'id="import-now"' not in page
    # Recent imports fold into labelled cards on a phone, like the problem report.
    assert '<td data-label="Result">Succeeded' in page


def test_import_now_after_a_dry_run_from_the_upload_form_uses_its_preset(world: World) -> None:
    client = client_for(world.manager)
    page = _upload(client, GOOD, dry_run=True).content.decode()
    assert "Press “Import with this mapping”" not in page
    form = re.search(
        r'action="(/import/runs/\d+/import/)".*?name="upload" value="([^"]+)"', page, re.S
    )
    assert form is not None
    response = client.post(form.group(1), {"upload": form.group(2)})
    import_threads_join()
    assert "Imported" in client.get(response["Location"]).content.decode()
    assert Customer.objects.get(external_id="K-2").name == "Lambda Inc"


def test_import_now_refuses_what_is_not_a_dry_run_that_passed(world: World) -> None:
    client = client_for(world.manager)
    staged = _stage_invoices(client, b"external_id,customer\nX-1,C-N1\n", dry_run=True)
    import_threads_join()
    rejected = ImportRun.objects.get()
    token = staged["Location"].split("upload=")[1]
    response = client.post(reverse("ingest:import_now", args=[rejected.pk]), {"upload": token})
    assert response.status_code == 409
    assert "only a dry run that passed can be imported this way" in response.content.decode()
    dry = _upload(client, GOOD, dry_run=True)
    passed = ImportRun.objects.latest("id")
    gone = client.post(reverse("ingest:import_now", args=[passed.pk]), {"upload": "x" * 22})
    assert gone.status_code == 410
    assert "this upload is no longer kept: upload the file again" in gone.content.decode()
    # Another upload's token does not import this run's file.
    other = client.post(reverse("ingest:import_now", args=[passed.pk]), {"upload": token})
    assert other.status_code == 410
    assert "this check was not made on this upload" in other.content.decode()
    assert client.get(reverse("ingest:import_now", args=[passed.pk])).status_code == 405
    assert dry.status_code == 200
    assert not Customer.objects.filter(external_id="K-1").exists()
    assert ImportRun.objects.count() == 2
