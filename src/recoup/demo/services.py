"""Writers of the demo ledger: generate it into an empty ledger, or clear it to generate anew."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import numpy as np
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction

from recoup.accounts.models import Role, Team, User
from recoup.accounts.services import audit_record, team_create, team_member_add, user_create
from recoup.core.errors import RecoupError
from recoup.demo import generator as g
from recoup.demo.selectors import ledger_is_empty, ledger_tables_in_delete_order
from recoup.demo.writer import STAGE_CHECK, People, ProgressCallback, write_ledger

VIA = "demo-data"
STAGE_GENERATE = "drawing (numpy)"
MIN_INVOICES = 100


class DemoLedgerError(RecoupError):
    pass


@dataclass(frozen=True, slots=True)
class DemoSummary:
    invoices: int
    seed: int
    as_of: date
    rows: Mapping[str, int]  # rows written per table
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def demo_ledger_generate(
    *,
    invoices: int,
    seed: int,
    as_of: date,
    replace: bool = False,
    progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Generate a deterministic demo ledger of `invoices` invoices ending on `as_of`.

    Refuses a ledger that already holds data unless `replace` is given, which first removes every
    ledger row (customers, invoices, payments, activities, ... and FX rates). All or nothing: the
    whole ledger is written in one transaction.
    """
    if not MIN_INVOICES <= invoices <= g.MAX_INVOICES:
        raise DemoLedgerError(
            f"--invoices must be between {MIN_INVOICES:,} and {g.MAX_INVOICES:,}, got {invoices:,}"
        )
    if seed < 0:
        raise DemoLedgerError(f"--seed must be zero or positive, got {seed}")
    if not date(2000, 1, 1) <= as_of <= date(2100, 1, 1):
        raise DemoLedgerError(f"--as-of {as_of} is outside 2000-01-01..2100-01-01")
    base = settings.BASE_CURRENCY
    if base not in g.CURRENCIES:
        raise DemoLedgerError(
            f"the demo ledger is in {', '.join(g.CURRENCIES)}; RECOUP_BASE_CURRENCY={base} "
            "would need rates the generator does not make"
        )
    started = time.perf_counter()
    if progress is not None:
        progress(STAGE_GENERATE, 0, 1)
    ledger = g.generate(invoices=invoices, seed=seed, as_of=as_of, base_currency=base)
    if progress is not None:
        progress(STAGE_GENERATE, 1, 1)
    # Foreign keys are verified once over the loaded tables instead of row by row, as Django's
    # loaddata does (SQLite can only switch this off outside a transaction; elsewhere it stays on).
    with (
        _rollback_journal_for_load(),
        connection.constraint_checks_disabled(),
        transaction.atomic(),
    ):
        if not ledger_is_empty():
            if not replace:
                raise DemoLedgerError(
                    "the ledger already holds data; generate into an empty database, "
                    "or pass --replace to delete the ledger first"
                )
            demo_ledger_clear()
        people = _people(ledger.staff)
        with _large_page_cache():
            rows = write_ledger(ledger, people, progress)
        audit_record(
            action="demo_ledger_generate",
            object_type="ledger",
            object_id=f"seed {seed}",
            after={"invoices": invoices, "seed": seed, "as_of": as_of.isoformat(), "rows": rows},
            via=VIA,
        )
    if progress is not None:
        progress(STAGE_CHECK, 1, 1)
    return DemoSummary(
        invoices=invoices,
        seed=seed,
        as_of=as_of,
        rows=MappingProxyType(rows),
        seconds=time.perf_counter() - started,
    )


@contextmanager
def _rollback_journal_for_load() -> Iterator[None]:
    """On SQLite in WAL mode, load with the rollback journal instead, and go back to WAL after.

    WAL writes every page twice, into the log and again at the checkpoint. The rollback journal
    only saves pages that existed before the transaction, so a load into an empty ledger writes
    its gigabyte once; a killed load still rolls back from the journal. Switching needs the
    database to itself: if another connection has it open, the load simply stays in WAL.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() != "wal":
            yield
            return
        cursor.execute("PRAGMA busy_timeout")
        timeout = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA busy_timeout = 0")
        try:
            cursor.execute("PRAGMA journal_mode = DELETE")
            switched = str(cursor.fetchone()[0]).lower() == "delete"
        except OperationalError:
            switched = False
        cursor.execute(f"PRAGMA busy_timeout = {timeout}")
        try:
            yield
        finally:
            if switched:
                cursor.execute("PRAGMA journal_mode = WAL")


@contextmanager
def _large_page_cache() -> Iterator[None]:
    """On SQLite, a page cache big enough to keep the growing indexes in memory while writing,
    and sorting threads for building them."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA threads")
        threads = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size = -1048576")
        # Index builds sort, with a helper thread per core.
        cursor.execute(f"PRAGMA threads = {os.cpu_count() or 1}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {before}")
            cursor.execute(f"PRAGMA threads = {threads}")


@transaction.atomic
def demo_ledger_clear() -> dict[str, int]:
    """Delete every ledger row (not users or teams); returns rows deleted per table."""
    deleted: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in ledger_tables_in_delete_order():
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
            deleted[table] = cursor.rowcount
    # Foreign keys are checked at commit; ask now, so the message can say what blocks the clear.
    try:
        connection.check_constraints()
    except IntegrityError as error:
        raise DemoLedgerError(
            f"cannot clear the ledger: rows outside it still refer to it ({error})"
        ) from None
    audit_record(
        action="demo_ledger_clear", object_type="ledger", object_id="all", after=deleted, via=VIA
    )
    return deleted


def _people(staff: g.Staff) -> People:
    """The demo's teams, one manager each and their collectors; reused if they already exist."""
    team_ids = []
    collector_ids = []
    team_start = 0
    for t, (team_name, size) in enumerate(zip(g.TEAMS, staff.team_sizes, strict=True)):
        team = Team.objects.filter(name=team_name).first() or team_create(name=team_name, via=VIA)
        team_ids.append(team.pk)
        slug = team_name.lower()
        manager = _user(
            f"demo.{slug}.manager",
            Role.MANAGER,
            g.COLLECTOR_FIRST[(t * 7 + 3) % len(g.COLLECTOR_FIRST)],
            g.COLLECTOR_LAST[(t * 5 + 11) % len(g.COLLECTOR_LAST)],
        )
        team_member_add(team=team, user=manager, is_lead=True, via=VIA)
        for k in range(size):
            i = team_start + k
            user = _user(
                f"demo.{slug}.{k + 1:02d}",
                Role.COLLECTOR,
                g.COLLECTOR_FIRST[int(staff.collector_first[i])],
                g.COLLECTOR_LAST[int(staff.collector_last[i])],
            )
            team_member_add(team=team, user=user, via=VIA)
            collector_ids.append(user.pk)
        team_start += size
    return People(
        collector_ids=np.asarray(collector_ids, dtype=np.int64),
        team_ids=np.asarray(team_ids, dtype=np.int64),
    )


def _user(username: str, role: Role, first: str, last: str) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return user_create(
        username=username,
        password=None,
        role=role,
        email=f"{username}@recoup.example",
        first_name=first,
        last_name=last,
        via=VIA,
    )
