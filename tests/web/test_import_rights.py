"""Who imports what, and who reads an import run: collectors import the records of their own work
and read their own runs; a run of someone else is not found, so run ids cannot be probed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from recoup.accounts.models import User
from recoup.core.errors import AccessDeniedError
from recoup.ingest.models import ImportRun, ImportStatus
from recoup.ingest.runs import import_run_start, import_threads_join
from recoup.ingest.services import ledger_file_import
from recoup.ledger.models import Activity, Customer
from tests.web.conftest import World, client_for

# The import runs in a thread with its own database connection: it must see committed data.
pytestmark = pytest.mark.django_db(transaction=True)

ACTIVITIES = b"external_id,customer,channel,outcome,occurred_at\nACT-1,C-N1,phone,no_answer,2026-07-01T09:00:00Z\n"
FX_RATES = b"currency,rate_date,rate\nEUR,2026-07-01,1.08\n"
IBM = Path(__file__).resolve().parents[1] / "fixtures/ingest/ibm-accounts-receivable.csv"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


def _rejected_run(by: User, value: str) -> ImportRun:
    return ImportRun.objects.create(
        kind="customers",
        file_name=f"{by.username}-customers.csv",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status=ImportStatus.REJECTED,
        errors=1,
        started_by=by,
        problems=[
            {"row": 3, "record": "customers", "column": "name", "value": value, "expected": "text"}
        ],
    )


def _upload(client: Any, kind: str, content: bytes) -> Any:
    data = {
        "kind": kind,
        "mapping": "",
        "dry_run": "on",
        "file": SimpleUploadedFile("f.csv", content),
    }
    return client.post(reverse("ingest:run"), data)


def test_a_collector_does_not_find_another_persons_import_run_or_its_problems(
    world: World,
) -> None:
    managers = _rejected_run(world.manager, "Secret Holdings plc")
    url = reverse("ingest:run_detail", args=[managers.pk])
    nina = client_for(world.north_collector)
    assert nina.get(url).status_code == 404
    assert nina.get(url, headers={"HX-Request": "true"}).status_code == 404
    listing = nina.get(reverse("ingest:index")).content.decode()
    assert "max-customers.csv" not in listing
    for reader in (world.manager, world.admin):
        body = client_for(reader).get(url).content.decode()
        assert "Secret Holdings plc" in body


def test_a_collector_reads_their_own_import_run(world: World) -> None:
    ninas = _rejected_run(world.north_collector, "Typo Traders")
    nina = client_for(world.north_collector)
    body = nina.get(reverse("ingest:run_detail", args=[ninas.pk])).content.decode()
    assert "Typo Traders" in body
    assert "nina-customers.csv" in nina.get(reverse("ingest:index")).content.decode()
    assert (
        client_for(world.south_collector)
        .get(reverse("ingest:run_detail", args=[ninas.pk]))
        .status_code
        == 404
    )


def test_a_collector_is_offered_only_the_kinds_of_their_own_work(world: World) -> None:
    page = client_for(world.north_collector).get(reverse("ingest:index")).content.decode()
    assert '<option value="activities">activities</option>' in page
    assert '<option value="promises">promises</option>' in page
    for kind in ("write-offs", "fx-rates", "assignments", "credit-notes", "customers"):
        assert f'<option value="{kind}">' not in page, kind
    manager = client_for(world.manager).get(reverse("ingest:index")).content.decode()
    assert '<option value="write-offs">write-offs</option>' in manager


@pytest.mark.parametrize("kind", ["write-offs", "fx-rates", "assignments"])
def test_a_collector_uploading_a_managers_kind_is_refused_and_nothing_runs(
    world: World, kind: str
) -> None:
    response = _upload(client_for(world.north_collector), kind, FX_RATES)
    assert response.status_code == 403
    assert "managers and admins import it" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_collector_checks_a_file_of_their_calls(world: World) -> None:
    nina = client_for(world.north_collector)
    response = _upload(nina, "activities", ACTIVITIES)
    assert response.status_code == 302
    import_threads_join()
    run = ImportRun.objects.get()
    assert run.started_by == world.north_collector
    assert nina.get(response["Location"]).status_code == 200


def test_the_importer_refuses_a_collector_a_managers_kind_before_recording_a_run(
    world: World,
) -> None:
    with pytest.raises(AccessDeniedError, match="may not import fx-rates"):
        import_run_start(
            kind="fx-rates",
            file_name="rates.csv",
            chunks=iter([FX_RATES]),
            mapping=None,
            dry_run=True,
            actor=world.north_collector,
            background=False,
        )
    assert not ImportRun.objects.exists()


def test_a_mapping_that_also_feeds_customers_and_payments_is_a_managers_import(
    world: World,
) -> None:
    # The IBM preset reads invoices and, from the same rows, customers, payments and disputes.
    with pytest.raises(AccessDeniedError, match="may not import customers"):
        ledger_file_import(
            kind="disputes",
            path=IBM,
            mapping="ibm-accounts-receivable",
            dry_run=True,
            actor=world.north_collector,
        )
    outcome = ledger_file_import(
        kind="invoices",
        path=IBM,
        mapping="ibm-accounts-receivable",
        dry_run=True,
        actor=world.manager,
    )
    assert outcome.run.status == ImportStatus.DRY_RUN
    assert not Customer.objects.filter(external_id__startswith="0").exists()


def _activities(path: Path, customer: str, external_id: str = "ACT-1") -> Path:
    path.write_text(
        "external_id,customer,channel,outcome,occurred_at\n"
        f"{external_id},{customer},call,no_answer,2026-07-01T09:00:00Z\n"
    )
    return path


def test_a_collectors_file_may_name_only_the_debtors_of_their_book(
    world: World, tmp_path: Path
) -> None:
    south = _activities(tmp_path / "south.csv", "C-S1")
    refused = ledger_file_import(kind="activities", path=south, actor=world.north_collector)
    assert not refused.ok
    (problem,) = refused.problems
    assert (problem.row, problem.value) == (2, "C-S1")
    # Another team's debtor reads as unknown, so a file cannot probe who exists.
    assert problem.expected == "the key of an existing customer you may see"
    assert not Activity.objects.exists()
    own = ledger_file_import(
        kind="activities",
        path=_activities(tmp_path / "own.csv", "C-N1"),
        actor=world.north_collector,
    )
    assert own.ok
    assert Activity.objects.count() == 1
    # The manager imports for every team.
    assert ledger_file_import(kind="activities", path=south, actor=world.manager).ok


def test_a_collectors_file_cannot_change_a_record_of_another_teams_debtor(
    world: World, tmp_path: Path
) -> None:
    ledger_file_import(
        kind="activities",
        path=_activities(tmp_path / "south.csv", "C-S1", "ACT-9"),
        actor=world.south_collector,
    )
    moved = _activities(tmp_path / "steal.csv", "C-N1", "ACT-9")
    outcome = ledger_file_import(kind="activities", path=moved, actor=world.north_collector)
    assert not outcome.ok
    assert outcome.problems[0].expected == "a key of your own debtors' activities"
    assert Activity.objects.get(external_id="ACT-9").customer.external_id == "C-S1"
