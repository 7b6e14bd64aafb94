"""Input never becomes SQL text (issue 9, decision 0011).

An uploaded file's column names, a mapping preset's texts, the CSV delimiter and encoding, sheet
names and preset names are data: each is quoted by `parsing.ident`/`parsing.lit` (the only
helpers that turn text into SQL) or bound as a parameter, and the reader's DuckDB connection
cannot reach any file but the upload. The first tests replay the attacks reported in issue 9
through the entry points that carried them; `tests/test_sql_text_sites.py` walks the source for
SQL assembled from strings and holds every such place to a reviewed list.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from pytest_django.fixtures import Settings

from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create
from recoup.ingest import runs
from recoup.ingest.mapping import MappingError, load_preset
from recoup.ingest.mapping_edit import (
    mapping_apply,
    mapping_draft,
    mapping_preset_path,
    mapping_presets,
    mapping_yaml,
    staged_mapping_keep,
    staged_upload_get,
)
from recoup.ingest.models import ImportRun
from recoup.ingest.parsing import ident, lit
from recoup.ingest.readers import FileReadError, open_source
from recoup.ingest.services import ledger_file_import
from recoup.ledger.models import Customer

ROOT = Path(__file__).resolve().parents[2]


# --- the files of the attack -----------------------------------------------------------------


@pytest.fixture(autouse=True)
def _data_in_tmp(settings: Settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "var"


@pytest.fixture
def secret(tmp_path: Path) -> str:
    """A file on the server the attacker should never read (the secret key, say)."""
    value = "recoup-secret-" + secrets.token_hex(8)
    (tmp_path / "secret_key").write_text(value + "\n", encoding="utf-8")
    return value


def reading(tmp_path: Path) -> str:
    """The header of issue 9 that read a server file into the sample of column `x`."""
    return f"x\", (SELECT content FROM read_text('{tmp_path / 'secret_key'}')) AS \"y"


def writing(tmp_path: Path) -> str:
    """The header of issue 9 that wrote a file on the server with COPY ... TO (the statement
    after it selects as many columns as the file has, so the page showed nothing amiss)."""
    return (
        f"x\" FROM src; COPY (SELECT 'pwned') TO '{tmp_path / 'written.csv'}' (FORMAT csv);"
        ' SELECT "external_id", "name", "x'
    )


def csv_file(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def attack_file(tmp_path: Path, header: str, name: str = "customers.csv") -> Path:
    """A customers file whose third column is named `header`, beside a column `x`."""
    rows = [[f"K-{i}", f"Name {i}", f"plain-h{i}", f"plain-x{i}"] for i in range(3)]
    return csv_file(tmp_path / name, ["external_id", "name", header, "x"], rows)


def no_trace_of(secret: str, tmp_path: Path, *texts: object) -> None:
    for text in texts:
        assert secret not in repr(text)
    assert not (tmp_path / "written.csv").exists(), "a header wrote a file on the server"


# --- 1. the reported attacks, through the entry points that carried them ------------------------


def test_a_header_that_reads_a_server_file_is_a_plain_column_in_the_mapping_draft(
    tmp_path: Path, secret: str
) -> None:
    header = reading(tmp_path)
    draft = mapping_draft(kind="customers", preset=None, path=attack_file(tmp_path, header))
    no_trace_of(secret, tmp_path, draft.samples, draft.columns)
    assert draft.columns == ["external_id", "name", header, "x"]
    assert draft.samples[header] == ["plain-h0", "plain-h1", "plain-h2"]
    assert draft.samples["x"] == ["plain-x0", "plain-x1", "plain-x2"]


def test_a_header_that_writes_a_server_file_is_a_plain_column_in_the_mapping_draft(
    tmp_path: Path, secret: str
) -> None:
    header = writing(tmp_path)
    draft = mapping_draft(kind="customers", preset=None, path=attack_file(tmp_path, header))
    no_trace_of(secret, tmp_path, draft.samples)
    assert draft.columns == ["external_id", "name", header, "x"]
    assert draft.samples[header] == ["plain-h0", "plain-h1", "plain-h2"]
    assert draft.samples["x"] == ["plain-x0", "plain-x1", "plain-x2"]


def _manager() -> Client:
    user = user_create(username="max", password=None, role=Role.MANAGER, first_name="Max")
    client = Client()
    client.force_login(user)
    return client


def _stage(client: Client, path: Path) -> str:
    """Upload as the import page does with "Choose the columns first"; the mapping page's URL."""
    response = client.post(
        reverse("ingest:run"),
        {
            "kind": "customers",
            "mapping": "",
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
            "action": "map",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return str(response["Location"])


@pytest.mark.django_db
@pytest.mark.parametrize("attack", [reading, writing])
def test_choose_the_columns_first_shows_the_hostile_header_and_its_own_values(
    tmp_path: Path, secret: str, attack: Callable[[Path], str]
) -> None:
    client = _manager()
    header = attack(tmp_path)
    url = _stage(client, attack_file(tmp_path, header))
    page = client.get(url)
    body = page.content.decode()
    no_trace_of(secret, tmp_path, body)
    assert page.status_code == 200
    assert "4 columns in the file" in body
    assert '<option value="x">x — e.g. plain-x0, plain-x1, plain-x2</option>' in body
    assert "plain-h0, plain-h1, plain-h2" in body


@pytest.mark.django_db
@pytest.mark.parametrize("attack", [reading, writing])
def test_the_import_takes_a_hostile_header_as_a_plain_column(
    tmp_path: Path, secret: str, attack: Callable[[Path], str]
) -> None:
    """The CLI and the service: a mapping naming the hostile column imports its own values."""
    header = attack(tmp_path)
    path = attack_file(tmp_path, header)
    preset = tmp_path / "hostile.yaml"
    preset.write_text(
        yaml.safe_dump(
            {
                "records": [
                    {"kind": "customers", "fields": {"external_id": "external_id", "name": header}}
                ]
            }
        ),
        encoding="utf-8",
    )
    outcome = ledger_file_import(
        kind="customers", path=path, mapping=str(preset), report_path=tmp_path / "r.csv"
    )
    assert outcome.ok, outcome.problems
    assert sorted(Customer.objects.values_list("name", flat=True)) == [
        "plain-h0",
        "plain-h1",
        "plain-h2",
    ]
    Customer.objects.all().delete()
    out = StringIO()
    call_command("import", "customers", str(path), "--mapping", str(preset), stdout=out)
    assert Customer.objects.get(external_id="K-2").name == "plain-h2"
    no_trace_of(secret, tmp_path, out.getvalue(), list(Customer.objects.values_list()))


@pytest.mark.django_db
def test_a_preset_given_as_a_path_on_the_mapping_page_writes_nothing_outside_the_upload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's hidden `preset` field is posted back: a path there must not name the file the
    edited mapping is written to (it did, once the upload had a mapping kept from a dry run)."""
    monkeypatch.setattr(runs._ImportJob, "run_in_thread", lambda self: None)
    client = _manager()
    url = _stage(client, csv_file(tmp_path / "c.csv", ["external_id", "name"], [["K-1", "A"]]))
    token = url.rstrip("/").rsplit("/", 1)[-1]
    staged = staged_upload_get(token=token, user=User.objects.get(username="max"))
    fields = {"external_id": "external_id", "name": "name"}
    staged_mapping_keep(
        staged=staged, document={"records": [{"kind": "customers", "fields": fields}]}
    )
    outside = tmp_path / "outside"
    outside.mkdir()
    for preset in (str(outside / "dropped" / "evil"), "../../../outside/evil", "Evil Name"):
        response = client.post(
            url,
            {"preset": preset, "field-external_id": "external_id", "field-name": "name"},
        )
        assert response.status_code in (302, 422)
        assert not any(outside.rglob("*")), list(outside.rglob("*"))
        assert not list(tmp_path.rglob("evil-edited.yaml"))
    assert not ImportRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../../evil", "/tmp/evil", "a/b", "..", "Evil", "x\x00y"])
def test_an_edited_mapping_is_written_only_inside_its_run(tmp_path: Path, name: str) -> None:
    with pytest.raises(MappingError):
        runs.import_run_start(
            kind="customers",
            file_name="c.csv",
            chunks=[b"external_id,name\nK-1,A\n"],
            mapping=name,
            mapping_yaml="records: []\n",
            dry_run=True,
            actor=None,
            background=False,
        )
    assert not ImportRun.objects.exists()
    assert not list(tmp_path.rglob("*evil*"))


def test_only_presets_named_as_names_are_offered(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "mapping-presets"
    folder.mkdir(parents=True)
    for name in ("acme-erp", "My Preset", "x'; DROP TABLE y; --"):
        (folder / f"{name}.yaml").write_text("records: []\n", encoding="utf-8")
    assert [v for v, _ in mapping_presets() if "ours" in _] == ["acme-erp"]
    with pytest.raises(MappingError):
        mapping_preset_path("My Preset")


# --- 2. the quoting helpers ----------------------------------------------------------------------

# Any text a file can hold: every character but NUL (refused) and lone surrogates (not UTF-8).
TEXT = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
NAMES = st.text(TEXT, min_size=1, max_size=200)


_ROUND_TRIP = duckdb.connect()


@settings(max_examples=500, deadline=None)
@given(name=NAMES, value=st.text(TEXT, max_size=200))
def test_ident_and_lit_make_exactly_one_name_and_one_value_of_any_text(
    name: str, value: str
) -> None:
    cursor = _ROUND_TRIP.execute(f"SELECT {lit(value)} AS {ident(name)}")
    assert [d[0] for d in cursor.description or ()] == [name]
    assert cursor.fetchall() == [(value,)]


@pytest.mark.parametrize("helper", [ident, lit])
def test_the_quoting_helpers_refuse_a_nul_character(helper: Callable[[str], str]) -> None:
    # Engines read SQL text as a C string: a NUL would end it early (SQLite, PostgreSQL refuse).
    with pytest.raises(ValueError, match="NUL"):
        helper("a\x00b")


# --- 3. hostile names, delimiters and encodings through every reader and the mapping editor -------

HOSTILE = [
    "it's",
    '"',
    '""',
    '"quoted"',
    "a\"b'c",
    "semi;colon -- comment",
    "/* comment */ x",
    "back\\slash\\",
    "$1 ? %s :name",
    "ümlaut 名前 💶",
    "”fancy“ ＂full＂ ‘single’",  # noqa: RUF001 - look-alike quotes are the point
    "x" * 5000,
    "tab\there",
    "new\nline",
    "<img src=x onerror=alert(1)>",
    "{braces}",
    "read_text('/etc/passwd')",
]
HOSTILE_IDS = [f"h{i}" for i in range(len(HOSTILE))]
ATTACKS = {"reading": reading, "writing": writing}


@pytest.fixture(params=[*HOSTILE, *ATTACKS], ids=[*HOSTILE_IDS, *ATTACKS])
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    param = str(request.param)
    return ATTACKS[param](tmp_path) if param in ATTACKS else param


def _write(fmt: str, tmp_path: Path, header: list[str], rows: list[list[str]]) -> Path:
    if fmt == "csv":
        return csv_file(tmp_path / "file.csv", header, rows)
    if fmt == "parquet":
        table = pa.table({h: pa.array([r[i] for r in rows]) for i, h in enumerate(header)})
        pq.write_table(table, tmp_path / "file.parquet")
        return tmp_path / "file.parquet"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "x'); COPY y TO 'z"  # sheet names are never read as SQL either
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(tmp_path / "file.xlsx")
    return tmp_path / "file.xlsx"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_a_hostile_column_name_is_read_edited_and_imported_as_itself(
    tmp_path: Path, secret: str, fmt: str, hostile: str
) -> None:
    if fmt == "xlsx" and len(hostile) > 255:
        hostile = hostile[:255]  # what a spreadsheet cell holds comfortably
    header = ["external_id", "name", hostile]
    rows = [[f"K-{i}", f"Name {i}", f"value '{i}\""] for i in range(3)]
    path = _write(fmt, tmp_path, header, rows)
    with open_source(path) as opened:
        assert opened.columns == header
        values = opened.con.execute(f"SELECT {ident(hostile)} FROM src").fetchall()
        assert values == [(r[2],) for r in rows]
    draft = mapping_draft(kind="customers", preset=None, path=path)
    assert draft.columns == header
    assert draft.samples[hostile] == [r[2] for r in rows]
    # As the page does: the hostile column feeds `name`, the result is YAML used for the import.
    document = mapping_apply(draft=draft, choices={"external_id": "external_id", "name": hostile})
    edited = tmp_path / "edited.yaml"
    edited.write_text(mapping_yaml(document), encoding="utf-8")
    assert load_preset(str(edited)).records[0].sources["name"].column == hostile
    outcome = ledger_file_import(
        kind="customers", path=path, mapping=str(edited), report_path=tmp_path / "r.csv"
    )
    assert outcome.ok, outcome.problems
    names = dict(Customer.objects.values_list("external_id", "name"))
    assert names == {r[0]: r[2] for r in rows}
    no_trace_of(secret, tmp_path, names, draft.samples)


@pytest.mark.django_db
def test_hostile_texts_in_a_preset_are_values_not_sql(tmp_path: Path, secret: str) -> None:
    """Templates, filters, value maps, defaults, formats and time zones of a preset."""
    column = "kind'); COPY (SELECT 1) TO 'x"
    header = ["id", column, "since"]
    path = csv_file(
        tmp_path / "c.csv",
        header,
        [["1", "it's", "05/01/2024"], ["2", "other", "06/01/2024"], ["3", "it's", ""]],
    )
    preset = {
        "date_formats": ["%d/%m/%Y", "%Y' || (SELECT 1) || '"],
        "time_zone": "Europe/London",
        "records": [
            {
                "kind": "customers",
                "where": {"column": column, "equals": "it's"},
                "fields": {
                    "external_id": {"template": "C'-{id}-\""},
                    "name": {"column": column, "map": {"it's": "Its' Ltd\""}},
                    "segment": {"value": "'; DROP TABLE ledger_customer; --"},
                    "since": {"column": "since", "default": "01/01/2020"},
                },
            }
        ],
    }
    mapping = tmp_path / "p.yaml"
    mapping.write_text(yaml.safe_dump(preset), encoding="utf-8")
    outcome = ledger_file_import(
        kind="customers", path=path, mapping=str(mapping), report_path=tmp_path / "r.csv"
    )
    assert outcome.ok, outcome.problems
    rows = sorted(Customer.objects.values_list("external_id", "name", "segment", "since"))
    assert [(r[0], r[1], r[2], str(r[3])) for r in rows] == [
        ("C'-1-\"", "Its' Ltd\"", "'; DROP TABLE ledger_customer; --", "2024-01-05"),
        ("C'-3-\"", "Its' Ltd\"", "'; DROP TABLE ledger_customer; --", "2020-01-01"),
    ]
    no_trace_of(secret, tmp_path, rows)


@pytest.mark.parametrize(
    ("csv_options", "message"),
    [
        ({"delimiter": 7}, "delimiter"),
        ({"delimiter": ["';"]}, "delimiter"),
        ({"delimiter": "'; COPY (SELECT 1) TO 'x'; --"}, "delimiter"),
        ({"encoding": "utf-8'; COPY (SELECT 1) TO 'x'; --"}, "encoding"),
        ({"encoding": ["utf-8"]}, "encoding"),
        ({"encoding": "rot13"}, "encoding"),
        ({"encoding": "base64"}, "encoding"),
        ({"quote": "'"}, "csv"),
    ],
)
def test_a_presets_csv_options_are_checked_when_it_is_read(
    tmp_path: Path, csv_options: dict[str, Any], message: str
) -> None:
    preset = tmp_path / "p.yaml"
    document = {"csv": csv_options, "records": [{"kind": "customers", "fields": {"name": "n"}}]}
    preset.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(MappingError, match=message):
        load_preset(str(preset))


@pytest.mark.parametrize("zone", ["UTC'; SELECT 1; --", "../../../etc/passwd", "Mars/Olympus"])
def test_a_presets_time_zone_must_be_a_known_zone(tmp_path: Path, zone: str) -> None:
    preset = tmp_path / "p.yaml"
    document = {"time_zone": zone, "records": [{"kind": "customers", "fields": {"name": "n"}}]}
    preset.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(MappingError, match="time_zone"):
        load_preset(str(preset))


def test_a_nul_character_anywhere_in_a_preset_is_refused(tmp_path: Path) -> None:
    preset = tmp_path / "p.yaml"
    fields = {"external_id": "id", "name": {"column": "n", "map": {"a\x00": "b"}}}
    preset.write_text(
        yaml.safe_dump({"records": [{"kind": "customers", "fields": fields}]}), encoding="utf-8"
    )
    with pytest.raises(MappingError, match="NUL"):
        load_preset(str(preset))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "code", "said"),
    [
        (["--delimiter", "'"], 0, ""),
        (["--delimiter", "';"], 2, "expected one character"),
        (["--encoding", "utf-8'; COPY (SELECT 1) TO 'x'; --"], 2, "--encoding"),
        (["--encoding", "rot13"], 2, "--encoding"),
        (["--encoding", "hex"], 2, "--encoding"),
    ],
)
def test_hostile_delimiters_and_encodings_on_the_command_line(
    tmp_path: Path, options: list[str], code: int, said: str
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("external_id'name\nK-1'it\"s\nK-2'Beta\n", encoding="utf-8")
    if code == 0:
        call_command("import", "customers", str(path), *options, stdout=StringIO())
        assert Customer.objects.get(external_id="K-1").name == 'it"s'
        return
    with pytest.raises(CommandError) as refused:
        call_command("import", "customers", str(path), *options, stdout=StringIO())
    assert refused.value.returncode == code
    assert said in str(refused.value)
    assert not Customer.objects.exists()
    assert not (Path.cwd() / "x").exists()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_a_column_name_with_a_nul_character_is_a_clear_problem(tmp_path: Path, fmt: str) -> None:
    header = ["external_id", "na\x00me"]
    if fmt == "csv":
        path = tmp_path / "file.csv"
        path.write_bytes(b"external_id,na\x00me\nK-1,A\n")
    elif fmt == "parquet":
        path = _write(fmt, tmp_path, header, [["K-1", "A"]])
    else:
        pytest.importorskip("openpyxl")
        # openpyxl refuses to write a NUL: a workbook from another tool may still hold one.
        path = _write(fmt, tmp_path, ["external_id", "na_x0000_me"], [["K-1", "A"]])
    with pytest.raises(FileReadError, match="NUL"), open_source(path):
        pass


def test_a_csv_with_nul_bytes_is_refused_with_a_hint_at_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes("external_id,name\nK-1,Kappa\n".encode("utf-16-le"))
    with pytest.raises(FileReadError, match="NUL"), open_source(path):
        pass
    with open_source(path, encoding="utf-16-le") as opened:
        assert opened.columns == ["external_id", "name"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_a_nul_in_a_value_is_a_problem_of_its_row_not_a_crash(tmp_path: Path, fmt: str) -> None:
    """PostgreSQL stores no NUL: reported with the row (shown as ␀), nothing staged or kept."""
    # openpyxl writes no NUL; _x0000_ is how a workbook holds one.
    nul = "_x0000_" if fmt == "xlsx" else "\x00"
    rows = [["K-1", f"A{nul}B"], ["K-2", "C"], [f"K{nul}3", "D"]]
    path = _write(fmt, tmp_path, ["external_id", "name"], rows)
    outcome = ledger_file_import(kind="customers", path=path, report_path=tmp_path / "r.csv")
    assert sorted((p.row, p.column, p.value, p.expected) for p in outcome.problems) == [
        (2, "name", "A\u2400B", "text without NUL characters"),
        (4, "external_id", "K\u24003", "text without NUL characters"),
    ]
    assert not Customer.objects.exists()
    assert "A\u2400B" in (tmp_path / "r.csv").read_text(encoding="utf-8")


# --- 4. the reader's connection reaches no file but the upload -----------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_sql_on_the_readers_connection_cannot_read_or_write_other_files(
    tmp_path: Path, secret: str, fmt: str
) -> None:
    """Defence in depth: even SQL that got through would find the file system closed."""
    path = _write(fmt, tmp_path, ["external_id", "name"], [["K-1", "A"]])
    attempts = [
        f"SELECT content FROM read_text({lit(str(tmp_path / 'secret_key'))})",
        f"SELECT * FROM read_csv({lit(str(tmp_path / 'secret_key'))})",
        f"COPY (SELECT 1) TO {lit(str(tmp_path / 'written.csv'))}",
        f"ATTACH {lit(str(tmp_path / 'other.duckdb'))} AS other",
        "SET enable_external_access = true",
        "SET allowed_directories = ['/']",
        "INSTALL httpfs",
        f"SELECT * FROM glob({lit(str(tmp_path) + '/*')})",
    ]
    with open_source(path) as opened:
        assert opened.con.execute("SELECT count(*) FROM src").fetchall() == [(1,)]
        for sql in attempts:
            with pytest.raises(duckdb.Error):
                opened.con.execute(sql).fetchall()
    no_trace_of(secret, tmp_path)
    assert not (tmp_path / "other.duckdb").exists()
