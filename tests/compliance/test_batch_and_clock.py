"""The batch engine and the single check agree, and the time-zone tables agree with zoneinfo."""

from __future__ import annotations

import random
import zoneinfo
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from recoup.compliance.clock import from_us, to_us, zone_table
from recoup.compliance.facts import facts_load
from recoup.compliance.selectors import Proposal, contact_check, contact_check_many
from recoup.compliance.services import restriction_record
from recoup.ledger.models import Activity, Customer, Dispute, Invoice

ZONES = ["America/Chicago", "Europe/Berlin", "Australia/Adelaide", "Asia/Kathmandu", "UTC"]


@pytest.mark.parametrize("name", [*ZONES, "America/Havana", "Pacific/Chatham"])
def test_the_zone_table_reads_the_same_local_time_as_zoneinfo(name: str) -> None:
    zone = zoneinfo.ZoneInfo(name)
    rng = random.Random(name)
    start = to_us(datetime(2019, 1, 1, tzinfo=UTC))
    instants = np.asarray(
        [start + rng.randrange(0, 10 * 365 * 86_400) * 1_000_000 for _ in range(3000)],
        dtype=np.int64,
    )
    table = zone_table(name)
    local = table.local_us(instants)
    for t, got in zip(instants, local, strict=True):
        wall = from_us(int(t)).astimezone(zone).replace(tzinfo=UTC)
        assert from_us(int(got)) == wall
    # and back: every wall-clock time read above maps to an instant that reads it
    back = table.instant_of_local(local)
    assert np.array_equal(table.local_us(back), local)


def test_a_wall_time_skipped_in_spring_maps_to_the_jump_and_a_repeated_one_to_its_first() -> None:
    table = zone_table("America/Chicago")
    gap = to_us(datetime(2026, 3, 8, 2, 30, tzinfo=UTC))  # 02:30 local does not exist
    assert from_us(int(table.instant_of_local(np.asarray([gap], dtype=np.int64))[0])) == datetime(
        2026, 3, 8, 8, 0, tzinfo=UTC
    )
    fold = to_us(datetime(2026, 11, 1, 1, 30, tzinfo=UTC))  # 01:30 local happens twice
    assert from_us(int(table.instant_of_local(np.asarray([fold], dtype=np.int64))[0])) == datetime(
        2026, 11, 1, 6, 30, tzinfo=UTC
    )


@pytest.mark.django_db
def test_the_batch_gives_each_check_the_verdict_of_the_single_check() -> None:
    rng = random.Random(7)
    customers, invoices = [], []
    for n, zone in enumerate(ZONES):
        c = Customer.objects.create(
            external_id=f"C-{n}",
            name=f"Debtor {n}",
            time_zone=zone,
            do_not_call=n == 1,
            statute_of_limitations_date=date(2026, 3, 20) if n == 2 else None,
        )
        customers.append(c)
        for k in range(2):
            invoices.append(
                Invoice.objects.create(
                    external_id=f"I-{n}-{k}",
                    customer=c,
                    issue_date=date(2026, 1, 1),
                    due_date=date(2026, 2, 1),
                    amount_minor=1000,
                    currency="USD",
                )
            )
    base = datetime(2026, 3, 1, tzinfo=UTC)
    outcomes = ["no_answer", "message_left", "wrong_party", "right_party_contact", "promise"]
    for n in range(400):
        inv = rng.choice(invoices)
        Activity.objects.create(
            external_id=f"A-{n}",
            customer=inv.customer,
            invoice=inv if rng.random() < 0.85 else None,
            channel=rng.choice(["call", "call", "call", "sms", "email"]),
            direction="inbound" if rng.random() < 0.1 else "outbound",
            outcome=rng.choice(outcomes) if rng.random() < 0.3 else "no_answer",
            occurred_at=base + timedelta(seconds=rng.randrange(0, 30 * 86_400)),
        )
    Dispute.objects.create(
        external_id="D-1",
        invoice=invoices[0],
        opened_on=date(2026, 3, 10),
        resolved_on=date(2026, 3, 18),
    )
    restriction_record(
        actor=None,
        customer=customers[3],
        kind="opt_out",
        channel="sms",
        effective_on=date(2026, 3, 12),
    )
    restriction_record(
        actor=None,
        customer=customers[4],
        kind="cease",
        effective_on=date(2026, 3, 15),
        ended_on=date(2026, 3, 22),
    )
    proposals = []
    for _ in range(300):
        inv = rng.choice(invoices)
        proposals.append(
            Proposal(
                inv.customer_id,
                rng.choice(["call", "call", "sms", "email", "letter", "visit", "legal"]),
                base + timedelta(seconds=rng.randrange(0, 32 * 86_400)),
                inv.pk if rng.random() < 0.8 else None,
            )
        )
    whole = contact_check_many(proposals=proposals, facts=facts_load(channels={"call"}))
    loaded = contact_check_many(proposals=proposals)
    blocked = 0
    by_id = {i.pk: i for i in invoices}
    for i, p in enumerate(proposals):
        single = contact_check(
            customer=Customer.objects.get(pk=p.customer_id),
            channel=p.channel,
            at=p.at,
            invoice=by_id.get(p.invoice_id) if p.invoice_id else None,
        ).as_json()
        for batch in (whole.verdict(i).as_json(), loaded.verdict(i).as_json()):
            assert {k: batch[k] for k in ("allowed", "blocks", "warnings")} == {
                k: single[k] for k in ("allowed", "blocks", "warnings")
            }, p
        blocked += not single["allowed"]
    # The sample exercises both answers and most rules.
    assert 60 < blocked < 280
    seen = {b.rule for i in range(len(proposals)) for b in whole.verdict(i).blocks}
    assert {"time_window", "call_frequency", "conversation_block", "opt_out", "dispute"} <= seen
