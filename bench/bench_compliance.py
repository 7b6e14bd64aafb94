"""Contact checks per second on the demo ledger's history, beside a one-query-per-check baseline.

    .venv/bin/python -m bench compliance [--invoices 1000000] [--cache DIR] [--checks N]

The ledger comes from the demo generator (3 activities per invoice), generated once into a
cached directory (`/tmp/recoup-bench-compliance-<invoices>` by default) and reused. The checks
replay the ledger's history: every outgoing contact is checked as of its own instant (what the
findings audit does), against the US Regulation F preset.

1. The facts loaded once from SQLite into in-memory indexes (reported apart).
2. The engine: `evaluate` over all the checks in one batch (goal: >= 50,000 checks/s).
3. The baseline, what one writes first: per check, one SQL query with sub-selects (calls in the
   window, conversations, restrictions, disputes) and the rules in Python with `zoneinfo`, on a
   sample; its verdicts must agree with the engine's on that sample.
4. The single check (`contact_check`: facts of one customer, then the same engine), on a sample.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

GOAL = 50_000
RECOUP = str(Path(sys.executable).parent / "recoup")


def _generate(cache: Path, invoices: int) -> None:
    marker = cache / f"generated-{invoices}"
    cache.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RECOUP_DATA_DIR"] = str(cache)
    subprocess.run([RECOUP, "migrate", "-v0"], check=True, env=env)
    if not marker.exists():
        started = time.perf_counter()
        subprocess.run(
            [
                RECOUP,
                "demo-data",
                "--invoices",
                str(invoices),
                "--seed",
                "1",
                "--as-of",
                "2026-09-30",
                "--replace",
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        print(
            f"demo ledger of {invoices:,} invoices generated in {time.perf_counter() - started:.1f} s"
        )
        marker.touch()


def _history_checks(limit: int) -> Any:
    """The outgoing contacts of the ledger as arrays (customer, invoice, channel, instant,
    raised a dispute), newest `limit` of them."""
    import numpy as np
    from django.db import connection

    from recoup.compliance.facts import _channel_code_sql, _us_sql
    from recoup.core.sql import ident

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, COALESCE(invoice_id, -1), {_channel_code_sql('channel')},"
            f" {_us_sql('occurred_at')}, CASE WHEN outcome = 'dispute' THEN 1 ELSE 0 END"
            f" FROM {ident('ledger_activity')} WHERE direction = 'outbound'"
            " ORDER BY occurred_at DESC LIMIT %s",
            [limit],
        )
        return np.asarray(cursor.fetchall(), dtype=np.int64)


def _baseline_one(cursor: Any, c: int, inv: int, channel: str, at: datetime, raises: bool) -> bool:
    """Allowed? One query for the facts, then the preset's rules written out plainly."""
    zone_name = _ZONES[c]
    zone = zoneinfo.ZoneInfo(zone_name)
    local = at.astimezone(zone)
    day = local.date()
    since = datetime.combine(day - timedelta(days=6), datetime.min.time(), tzinfo=zone)
    since_utc = since.astimezone(UTC).replace(tzinfo=None)
    at_utc = at.astimezone(UTC).replace(tzinfo=None)
    about = "(a.invoice_id = %s OR a.invoice_id IS NULL)" if inv >= 0 else "1 = 1"
    about_params = [inv] if inv >= 0 else []
    per_debt = (
        "(SELECT COUNT(*) FROM ledger_activity a WHERE a.customer_id = c.id"
        " AND a.channel = 'call' AND a.direction = 'outbound' AND a.invoice_id IS NULL"
        " AND a.occurred_at >= %s AND a.occurred_at < %s) + COALESCE((SELECT MAX(n) FROM"
        " (SELECT COUNT(*) AS n FROM ledger_activity a WHERE a.customer_id = c.id"
        " AND a.channel = 'call' AND a.direction = 'outbound' AND a.invoice_id IS NOT NULL"
        " AND a.occurred_at >= %s AND a.occurred_at < %s GROUP BY a.invoice_id)), 0)"
        if inv < 0
        else "(SELECT COUNT(*) FROM ledger_activity a WHERE a.customer_id = c.id"
        f" AND a.channel = 'call' AND a.direction = 'outbound' AND {about}"
        " AND a.occurred_at >= %s AND a.occurred_at < %s)"
    )
    per_debt_params = (
        [since_utc, at_utc, since_utc, at_utc] if inv < 0 else [*about_params, since_utc, at_utc]
    )
    cursor.execute(
        "SELECT c.cease_communication, c.bankruptcy, c.do_not_call, c.opt_out_email,"
        " c.opt_out_sms, c.opt_out_letter, c.statute_of_limitations_date,"
        f" {per_debt},"
        " (SELECT COUNT(*) FROM ledger_activity a WHERE a.customer_id = c.id"
        " AND a.channel = 'call' AND a.outcome IN ('right_party_contact', 'promise', 'refusal',"
        f" 'dispute', 'payment') AND {about} AND a.occurred_at >= %s AND a.occurred_at < %s),"
        " (SELECT COUNT(*) FROM ledger_dispute d WHERE d.invoice_id = %s AND d.opened_on <= %s"
        " AND NOT (%s AND d.opened_on = %s)"
        " AND (d.resolved_on >= %s OR (d.resolved_on IS NULL AND d.status = 'open')))"
        " FROM ledger_customer c WHERE c.id = %s",
        [*per_debt_params, *about_params, since_utc, at_utc, inv, day, raises, day, day, c],
    )
    cease, bankrupt, dnc, no_email, no_sms, no_letter, statute, calls, talks, disputes = (
        cursor.fetchone()
    )
    if channel != "legal" and not (
        8 * 3600
        <= local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        <= 21 * 3600
    ):
        return False
    if channel == "call" and (calls >= 7 or talks > 0 or dnc):
        return False
    if (cease and channel != "legal") or bankrupt or disputes:
        return False
    if (
        (channel == "email" and no_email)
        or (channel == "sms" and no_sms)
        or (channel == "letter" and no_letter)
    ):
        return False
    return not (channel == "legal" and statute is not None and str(day) >= str(statute))


_ZONES: dict[int, str] = {}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench compliance")
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument(
        "--cache", type=Path, help="ledger directory (default /tmp/recoup-bench-compliance-N)"
    )
    parser.add_argument(
        "--checks", type=int, default=3_000_000, help="contacts replayed (newest first)"
    )
    parser.add_argument("--baseline", type=int, default=2_000, help="checks in the baseline sample")
    parser.add_argument("--single", type=int, default=200, help="checks through contact_check")
    args = parser.parse_args(argv)
    cache = args.cache or Path(f"/tmp/recoup-bench-compliance-{args.invoices}")
    _generate(cache, args.invoices)
    os.environ.pop("DATABASE_URL", None)
    os.environ["RECOUP_DATA_DIR"] = str(cache)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recoup.settings")
    import django

    django.setup()
    import numpy as np
    from django.db import connection

    from recoup.compliance.clock import from_us
    from recoup.compliance.engine import CHANNELS, Checks, evaluate
    from recoup.compliance.facts import facts_load
    from recoup.compliance.models import Rule
    from recoup.compliance.selectors import contact_check, rule_specs
    from recoup.compliance.services import preset_load
    from recoup.ledger.models import Customer, Invoice

    if not Rule.objects.exists():
        preset_load(actor=None, name="us-reg-f", via="bench")
    specs = [s for s in rule_specs() if s.scope == "system"]
    print(f"rules: {', '.join(s.code for s in specs)}")

    started = time.perf_counter()
    rows = _history_checks(args.checks)
    print(f"{len(rows):,} outgoing contacts read in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    facts = facts_load(channels={"call"})
    load_s = time.perf_counter() - started
    calls = len(facts.channel(0).by_customer.key)
    print(
        f"facts loaded in {load_s:.1f} s: {len(facts.customer_ids):,} customers,"
        f" {calls:,} calls indexed, {len(facts.r_customer):,} restriction rows"
    )

    def batch(sel: Any) -> Checks:
        return Checks(
            facts=facts,
            customer=rows[sel, 0],
            invoice=rows[sel, 1],
            channel=rows[sel, 2],
            at_us=rows[sel, 3],
            raises_dispute=rows[sel, 4].astype(bool),
        )

    everything = np.arange(len(rows))
    times = []
    for _ in range(3):
        started = time.perf_counter()
        verdicts = evaluate(batch(everything), specs)
        times.append(time.perf_counter() - started)
    best = min(times)
    rate = len(rows) / best
    blocked = int((~verdicts.allowed).sum())
    print(
        f"engine: {len(rows):,} checks in {best:.2f} s (best of 3) = {rate:,.0f} checks/s"
        f" (goal {GOAL:,}: {'met' if rate >= GOAL else 'NOT met'}); {blocked:,} blocked"
    )
    for code in sorted({s.code for s in specs}):
        n = int(verdicts.blocked_by(code).sum())
        if n:
            print(f"    blocked by {code:<20} {n:>9,}")
    sample_n = min(200, blocked)
    started = time.perf_counter()
    for i in np.flatnonzero(~verdicts.allowed)[:sample_n]:
        verdicts.verdict(int(i))
    if sample_n:
        print(
            f"    words for a blocked check: {(time.perf_counter() - started) / sample_n * 1000:.2f} ms each"
        )

    rng = np.random.default_rng(1)
    sample = rng.choice(len(rows), size=min(args.baseline, len(rows)), replace=False)
    _ZONES.update(Customer.objects.values_list("id", "time_zone"))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        base = [
            _baseline_one(
                cursor,
                int(rows[i, 0]),
                int(rows[i, 1]),
                CHANNELS[int(rows[i, 2])],
                from_us(int(rows[i, 3])),
                bool(rows[i, 4]),
            )
            for i in sample
        ]
    base_s = time.perf_counter() - started
    engine_sample = evaluate(batch(sample), specs).allowed
    agree = int(np.count_nonzero(np.asarray(base) == engine_sample))
    print(
        f"baseline (one query per check): {len(sample):,} checks in {base_s:.2f} s ="
        f" {len(sample) / base_s:,.0f} checks/s; engine is {rate / (len(sample) / base_s):,.0f}x;"
        f" verdicts agree on {agree:,} of {len(sample):,}"
    )
    if agree != len(sample):
        for k in np.flatnonzero(np.asarray(base) != engine_sample)[:5]:
            i = int(sample[k])
            print(
                f"    differs: customer {rows[i, 0]} invoice {rows[i, 1]} {CHANNELS[int(rows[i, 2])]} at {from_us(int(rows[i, 3]))}: baseline {base[k]}, engine {engine_sample[k]}"
            )

    single = sample[: args.single]
    customers = Customer.objects.in_bulk([int(rows[i, 0]) for i in single])
    invoices = Invoice.objects.in_bulk([int(rows[i, 1]) for i in single if rows[i, 1] >= 0])
    started = time.perf_counter()
    for i in single:
        contact_check(
            customer=customers[int(rows[i, 0])],
            channel=CHANNELS[int(rows[i, 2])],
            at=from_us(int(rows[i, 3])),
            invoice=invoices.get(int(rows[i, 1])),
        )
    single_s = time.perf_counter() - started
    print(
        f"single check (contact_check, facts of one customer): {single_s / len(single) * 1000:.1f} ms each"
    )
