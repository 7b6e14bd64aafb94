"""`recoup import` on the command line: output, exit codes, and a kill in the middle of a load."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recoup.ledger import models as m

RECOUP = str(Path(sys.executable).parent / "recoup")


@pytest.mark.django_db
def test_problems_are_printed_as_a_table_with_the_report_path_and_exit_1(tmp_path: Path) -> None:
    m.Customer.objects.create(external_id="C-1", name="Acme")
    path = tmp_path / "inv.csv"
    lines = ["external_id,customer,issue_date,due_date,amount"]
    lines += [f"I-{i},C-1,2024-01-05,2024-01-01,10" for i in range(30)]
    path.write_text("\n".join(lines) + "\n")
    report = tmp_path / "problems.csv"
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import", "invoices", str(path), "--report", str(report), stdout=out)
    assert raised.value.returncode == 1
    assert "nothing was imported" in str(raised.value)
    text = out.getvalue()
    assert "30 problem(s)" in text
    assert "and 10 more" in text
    assert f"report: {report}" in text.replace("\n", "")
    assert len(report.read_text().splitlines()) == 31
    assert m.Invoice.objects.count() == 0


@pytest.mark.django_db
def test_a_successful_import_prints_its_counts(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("external_id,name\nC-1,Acme\nC-2,Beta\n")
    out = StringIO()
    call_command("import", "customers", str(path), "--dry-run", stdout=out)
    assert "would import" in out.getvalue()
    assert "dry run: nothing was written" in out.getvalue()
    assert m.Customer.objects.count() == 0
    call_command("import", "customers", str(path), stdout=StringIO())
    assert m.Customer.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["invoices", "missing.csv"], "no such file"),
        (["invoices", "{file}", "--mapping", "no-such-preset"], "no such preset"),
        (["agencies", "{file}", "--mapping", "ibm-accounts-receivable"], "not agencies"),
        (["invoices", "{file}", "--delimiter", ";;"], "one character"),
        (["invoices", "{file}", "--encoding", "klingon-8"], "--encoding"),
    ],
)
def test_usage_errors_exit_with_2(tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text("external_id\nA\n")
    filled = [a.replace("{file}", str(path)) for a in args]
    with pytest.raises(CommandError) as raised:
        call_command("import", *filled, stdout=StringIO())
    assert raised.value.returncode == 2
    assert message in str(raised.value)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RECOUP_DATA_DIR"] = str(tmp_path / "var")
    return env


def _recoup(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RECOUP, *args], env=_env(tmp_path), capture_output=True, text=True, timeout=300
    )


def _counts(db: Path) -> tuple[int, int, int, int]:
    with sqlite3.connect(db) as con:
        return tuple(  # type: ignore[return-value]
            con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in (
                "ledger_customer",
                "ledger_invoice",
                "ingest_importrun",
                "accounts_auditentry",
            )
        )


@pytest.mark.slow
def test_a_load_killed_midway_leaves_the_embedded_database_unchanged_and_usable(
    tmp_path: Path,
) -> None:
    assert _recoup(tmp_path, "migrate", "-v0").returncode == 0
    customers = tmp_path / "customers.csv"
    customers.write_text("external_id,name\nC-1,Acme\n")
    assert _recoup(tmp_path, "import", "customers", str(customers)).returncode == 0
    db = tmp_path / "var" / "recoup.sqlite3"
    before = _counts(db)

    big = tmp_path / "invoices.csv"
    with big.open("w") as handle:
        handle.write("external_id,customer,issue_date,due_date,amount\n")
        for i in range(250_000):
            handle.write(f"INV-{i:07d},C-1,2024-01-05,2024-02-04,{i % 9000 + 1}.25\n")
    process = subprocess.Popen(
        [RECOUP, "import", "invoices", str(big)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        # Rows are being written into the import's transaction: kill it there.
        if line.startswith("reading invoices: "):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, seen

    # The ledger and the audit trail are unchanged; the killed run is recorded as running.
    customers_, invoices_, runs_, audits_ = _counts(db)
    assert (customers_, invoices_, audits_) == (before[0], before[1], before[3])
    assert runs_ == before[2] + 1
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    small = tmp_path / "small.csv"
    small.write_text(
        "external_id,customer,issue_date,due_date,amount\nI-1,C-1,2024-01-05,2024-02-04,1\n"
    )
    done = _recoup(tmp_path, "import", "invoices", str(small))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _counts(db)[1] == 1
    with sqlite3.connect(db) as con:
        killed = con.execute(
            "SELECT status, error FROM ingest_importrun WHERE file_name = 'invoices.csv'"
        ).fetchone()
    assert killed[0] == "failed"
    assert "stopped without finishing" in killed[1]


def test_the_console_script_exits_2_on_usage_errors(tmp_path: Path) -> None:
    done = _recoup(tmp_path, "import", "invoices", str(tmp_path / "nope.csv"))
    assert done.returncode == 2
    assert "no such file" in done.stderr
    done = _recoup(tmp_path, "import", "receipts", str(tmp_path / "nope.csv"))
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
