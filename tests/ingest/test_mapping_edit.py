"""Mappings edited on the import page: prefilled from a preset, checked, kept as YAML presets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pytest_django.fixtures import Settings

from recoup.accounts.models import AuditEntry
from recoup.ingest.mapping import MappingError, load_preset
from recoup.ingest.mapping_edit import (
    KEEP,
    mapping_apply,
    mapping_draft,
    mapping_preset_path,
    mapping_preset_save,
    mapping_presets,
)

IBM = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "ibm-accounts-receivable.csv"


@pytest.fixture(autouse=True)
def _presets_in_tmp(settings: Settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def erp_file(tmp_path: Path) -> Path:
    path = tmp_path / "erp.csv"
    path.write_text(
        "Kunde Nr,Firma,Land,Seit\nK-1,Kappa GmbH,DE,2024-01-05\nK-2,Lambda AG,AT,2023-11-30\n"
    )
    return path


def test_a_draft_shows_the_files_columns_with_samples_and_prefills_standard_names(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("external_id,Name,notes\nK-1,Kappa,first\nK-2,Lambda,\n")
    draft = mapping_draft(kind="customers", preset=None, path=path)
    assert draft.columns == ["external_id", "Name", "notes"]
    assert draft.samples["notes"] == ["first"]
    chosen = {f.name: f.column for f in draft.fields}
    assert chosen["external_id"] == "external_id"
    assert chosen["name"] == "Name"
    assert chosen["segment"] == ""
    assert [f.name for f in draft.fields if f.required] == ["external_id", "name"]


def test_a_preset_prefills_columns_and_keeps_its_templates() -> None:
    draft = mapping_draft(kind="payments", preset="ibm-accounts-receivable", path=IBM)
    fields = {f.name: f for f in draft.fields}
    assert fields["received_on"].column == "SettledDate"
    assert fields["external_id"].column == ""
    assert fields["external_id"].fixed_source == "template PAY-{invoiceNumber}"


def test_applying_choices_keeps_the_rest_of_the_preset() -> None:
    draft = mapping_draft(kind="invoices", preset="ibm-accounts-receivable", path=IBM)
    choices = {f.name: f.column for f in draft.fields}
    choices["due_date"] = "SettledDate"
    document = mapping_apply(draft=draft, choices=choices)
    invoices = next(r for r in document["records"] if r["kind"] == "invoices")
    assert invoices["fields"]["due_date"] == "SettledDate"
    # The value map of `delivery` and the other records (customers, payments, disputes) stay.
    assert invoices["fields"]["delivery"]["map"] == {"Paper": "paper", "Electronic": "electronic"}
    assert [r["kind"] for r in document["records"]] == [
        "customers",
        "invoices",
        "payments",
        "disputes",
    ]
    assert document["date_formats"] == ["%m/%d/%Y"]


def test_keep_uses_the_presets_template() -> None:
    draft = mapping_draft(kind="payments", preset="ibm-accounts-receivable", path=IBM)
    choices = {f.name: (KEEP if f.fixed_source else f.column) for f in draft.fields}
    document = mapping_apply(draft=draft, choices=choices)
    payments = next(r for r in document["records"] if r["kind"] == "payments")
    assert payments["fields"]["external_id"] == {"template": "PAY-{invoiceNumber}"}


def test_a_required_field_left_out_and_a_column_feeding_two_dates_are_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "i.csv"
    path.write_text("nr,kunde,datum,betrag\nI-1,K-1,2026-01-05,10.00\n")
    draft = mapping_draft(kind="invoices", preset=None, path=path)
    with pytest.raises(MappingError) as refused:
        mapping_apply(
            draft=draft,
            choices={
                "external_id": "nr",
                "issue_date": "datum",
                "due_date": "datum",
                "amount": "betrag",
            },
        )
    message = str(refused.value)
    assert "customer is required: choose the column that holds it" in message
    assert "column 'datum' cannot feed both issue_date and due_date" in message


def test_one_column_may_feed_several_text_fields(erp_file: Path) -> None:
    draft = mapping_draft(kind="customers", preset=None, path=erp_file)
    document = mapping_apply(draft=draft, choices={"external_id": "Kunde Nr", "name": "Kunde Nr"})
    assert document["records"][0]["fields"] == {"external_id": "Kunde Nr", "name": "Kunde Nr"}


def test_a_saved_preset_is_listed_audited_and_loads_like_a_shipped_one(
    erp_file: Path, tmp_path: Path, db: None
) -> None:
    draft = mapping_draft(kind="customers", preset=None, path=erp_file)
    document = mapping_apply(
        draft=draft,
        choices={"external_id": "Kunde Nr", "name": "Firma", "country": "Land", "since": "Seit"},
    )
    saved = mapping_preset_save(name="acme-erp", document=document, actor=None)
    assert saved == tmp_path / "mapping-presets" / "acme-erp.yaml"
    assert ("acme-erp", "acme-erp (ours)") in mapping_presets()
    loaded = load_preset(mapping_preset_path("acme-erp"))
    assert loaded.name == "acme-erp"
    assert loaded.records[0].sources["name"].column == "Firma"
    assert yaml.safe_load(saved.read_text())["records"][0]["kind"] == "customers"
    assert AuditEntry.objects.get(action="import_mapping_preset_save").object_id == "acme-erp"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ibm-accounts-receivable", "is a shipped preset"),
        ("Acme ERP", "use lower-case letters, digits and hyphens"),
        ("../etc", "use lower-case letters, digits and hyphens"),
    ],
)
def test_a_preset_name_that_is_taken_or_unsafe_is_refused(
    name: str, message: str, tmp_path: Path, db: None
) -> None:
    with pytest.raises(MappingError, match=message):
        mapping_preset_save(name=name, document={"records": []}, actor=None)
    assert not (tmp_path / "mapping-presets").exists()


def test_a_preset_is_chosen_by_name_never_by_path(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("records: []\n")
    for name in ("../../elsewhere", str(outside), "no-such-preset"):
        with pytest.raises(MappingError, match="no such preset"):
            mapping_preset_path(name)
    assert mapping_preset_path("ibm-accounts-receivable") == "ibm-accounts-receivable"
