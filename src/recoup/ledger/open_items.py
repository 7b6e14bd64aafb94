"""What each customer owes on a day, invoice by invoice, read as arrays in a few set-based
queries: invoices issued by then, less payments received and adjustments effective by then;
disputed invoices (a dispute standing that day and not verified) and the customers with an open
promise or a payment plan in good standing marked, for a run to leave out. Dunning and
placements both start from it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.db.models import CharField, Q, QuerySet, Sum
from django.db.models.functions import Cast

from recoup.ledger.models import (
    Adjustment,
    Allocation,
    Dispute,
    DisputeStatus,
    Invoice,
    PaymentPlan,
    PlanStatus,
    PromiseStatus,
    PromiseToPay,
)

I64 = npt.NDArray[np.int64]
_EPOCH = date(1970, 1, 1).toordinal()
# Above this many customers the whole ledger is read and kept by mask: a list of ids that long
# is slower as SQL parameters than as an array test (and SQLite caps their number).
_IDS_IN_SQL = 2_000


@dataclass(frozen=True, slots=True)
class OpenItems:
    """The open invoices on `day`, sorted by customer then due date; ordinals for days."""

    day: date
    invoice: I64
    customer: I64
    issued: I64
    due: I64
    open_minor: I64  # in the invoice's own currency
    currency: npt.NDArray[np.str_]
    disputed: npt.NDArray[np.bool_]
    promised: frozenset[int]  # customers with an open promise
    on_plan: frozenset[int]  # customers with a plan in good standing

    def __len__(self) -> int:
        return len(self.invoice)

    def by_customer(self) -> dict[int, tuple[int, int]]:
        """Each customer's slice [start, end) of the arrays."""
        if not len(self.customer):
            return {}
        starts = np.flatnonzero(np.r_[True, self.customer[1:] != self.customer[:-1]])
        ends = np.r_[starts[1:], len(self.customer)]
        ids = self.customer[starts].tolist()
        return dict(zip(ids, zip(starts.tolist(), ends.tolist(), strict=True), strict=True))


def _text(field: str) -> Cast:
    return Cast(field, output_field=CharField())


def _days(values: list[Any]) -> I64:
    if not values:
        return np.zeros(0, dtype=np.int64)
    parsed = pd.to_datetime(pd.Series(values, dtype="string").str.slice(0, 10), format="%Y-%m-%d")
    return np.asarray(parsed.to_numpy(dtype="datetime64[D]").astype(np.int64)) + _EPOCH


def _sums(rows: QuerySet[Any, Any]) -> tuple[I64, I64]:
    pairs = list(rows.values_list("invoice_id").annotate(total=Sum("amount_minor")))
    ids = np.asarray([p[0] for p in pairs], dtype=np.int64)
    totals = np.asarray([p[1] for p in pairs], dtype=np.int64)
    return ids, totals


def _subtract(invoice: I64, owed: I64, ids: I64, amounts: I64) -> I64:
    if not len(ids):
        return owed
    at = np.searchsorted(invoice, ids)
    known = at < len(invoice)
    known[known] = invoice[at[known]] == ids[known]
    out = owed.copy()
    np.subtract.at(out, at[known], amounts[known])
    return out


def open_items_on(day: date, *, customer_ids: Collection[int] | None = None) -> OpenItems:
    """The open invoices on `day` of `customer_ids` (every customer when None)."""
    small = customer_ids is not None and len(customer_ids) <= _IDS_IN_SQL
    invoices = Invoice.objects.filter(issue_date__lte=day)
    allocations = Allocation.objects.filter(payment__received_on__lte=day)
    adjustments = Adjustment.objects.filter(effective_on__lte=day)
    promises = PromiseToPay.objects.filter(status=PromiseStatus.OPEN, promised_on__lte=day)
    plans = PaymentPlan.objects.filter(status=PlanStatus.ACTIVE, agreed_on__lte=day)
    disputes = Dispute.objects.filter(opened_on__lte=day).filter(
        Q(resolved_on__isnull=True) | Q(resolved_on__gt=day)
    )
    if small and customer_ids is not None:
        wanted = list(customer_ids)
        invoices = invoices.filter(customer_id__in=wanted)
        allocations = allocations.filter(invoice__customer_id__in=wanted)
        adjustments = adjustments.filter(invoice__customer_id__in=wanted)
        promises = promises.filter(customer_id__in=wanted)
        plans = plans.filter(customer_id__in=wanted)
        disputes = disputes.filter(invoice__customer_id__in=wanted)
    rows = list(
        invoices.order_by("id")
        .annotate(issued=_text("issue_date"), due_on=_text("due_date"))
        .values_list("id", "customer_id", "issued", "due_on", "amount_minor", "currency")
    )
    invoice = np.asarray([r[0] for r in rows], dtype=np.int64)
    customer = np.asarray([r[1] for r in rows], dtype=np.int64)
    owed = np.asarray([r[4] for r in rows], dtype=np.int64)
    owed = _subtract(invoice, owed, *_sums(allocations))
    owed = _subtract(invoice, owed, *_sums(adjustments))
    keep = owed > 0
    if customer_ids is not None and not small:
        keep &= np.isin(customer, np.asarray(list(customer_ids), dtype=np.int64))
    index = np.flatnonzero(keep)
    issued = _days([rows[i][2] for i in index.tolist()])
    due = _days([rows[i][3] for i in index.tolist()])
    currency = np.asarray([rows[i][5] for i in index.tolist()], dtype=np.str_)
    invoice, customer, owed = invoice[index], customer[index], owed[index]
    # Verified disputes let collection resume (Regulation F); open ones hold their invoice.
    held = disputes.exclude(status=DisputeStatus.VERIFIED).values_list("invoice_id", flat=True)
    disputed = np.isin(invoice, np.asarray(list(held), dtype=np.int64))
    order = np.lexsort((invoice, due, customer))
    return OpenItems(
        day=day,
        invoice=invoice[order],
        customer=customer[order],
        issued=issued[order],
        due=due[order],
        open_minor=owed[order],
        currency=currency[order],
        disputed=disputed[order],
        promised=frozenset(promises.values_list("customer_id", flat=True)),
        on_plan=frozenset(plans.values_list("customer_id", flat=True)),
    )
