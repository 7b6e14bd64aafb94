"""Activity: calls, contacts and promises, and whether the promises were kept."""

from __future__ import annotations

from collections.abc import Mapping

from recoup.metrics import formulas as f
from recoup.metrics.catalogue.base import (
    ACTIVITY,
    BY_AMOUNT,
    CUSTOMER,
    GRACE,
    HIGHER,
    LOWER,
    MEAN,
    PERCENT,
    MetricDef,
)
from recoup.metrics.catalogue.measures import ACTIVITY as ACTIVITIES
from recoup.metrics.catalogue.measures import attempts, outbound, promises
from recoup.metrics.compiler import NOT_REACHED, RIGHT_PARTY
from recoup.metrics.plans import Plan, count_of, get, percent, sum_of


def _contact_rate(params: Mapping[str, str]) -> Plan:
    contacts = count_of(
        ACTIVITIES,
        "contacts",
        lambda t: outbound(t) & ~t.outcome.isin(NOT_REACHED),
        label="Contacts",
    )
    return percent(contacts, attempts())


CONTACT_RATE = MetricDef(
    "contact_rate",
    "Contact rate",
    "Outbound attempts that reached someone, over all outbound attempts in the period.",
    "contacts / attempts x 100",
    "percent",
    HIGHER,
    ACTIVITY,
    is_flow=True,
    notes="A contact is any outcome but no answer and message left.",
    split=PERCENT,
    plan=_contact_rate,
)


def _rpc_rate(params: Mapping[str, str]) -> Plan:
    rpc = count_of(
        ACTIVITIES,
        "rpc_out",
        lambda t: outbound(t) & t.outcome.isin(RIGHT_PARTY),
        label="Right-party contacts",
    )
    return percent(rpc, attempts())


RPC_RATE = MetricDef(
    "rpc_rate",
    "Right-party contact rate",
    "Outbound attempts that reached the debtor, over all outbound attempts in the period.",
    "right-party contacts / attempts x 100",
    "percent",
    HIGHER,
    ACTIVITY,
    is_flow=True,
    notes="Right-party outcomes: right-party contact, promise, refusal, dispute, payment.",
    split=PERCENT,
    plan=_rpc_rate,
)


def _ptp_rate(params: Mapping[str, str]) -> Plan:
    rpc = count_of(
        ACTIVITIES, "rpc_all", lambda t: t.outcome.isin(RIGHT_PARTY), label="Right-party contacts"
    )
    return percent(promises(), rpc)


PTP_RATE = MetricDef(
    "ptp_rate",
    "Promise-to-pay rate",
    "Promises obtained per right-party contact in the period.",
    "activities with a promise / right-party contacts x 100",
    "percent",
    HIGHER,
    ACTIVITY,
    is_flow=True,
    notes="Denominator is right-party contacts (not all attempts).",
    split=PERCENT,
    plan=_ptp_rate,
)


def _promise_kept_rate(params: Mapping[str, str]) -> Plan:
    pr = ("promise", int(params["grace_days"]))
    if params["by"] == "count":
        kept = count_of(pr, "n_kept", lambda t: t.kept, label="Promises kept")
        return percent(kept, count_of(pr, "n_due", label="Promises due"))
    kept_amount = sum_of(pr, "kept_amount", "amount", lambda t: t.kept, label="Promises kept")
    return percent(kept_amount, sum_of(pr, "due_amount", "amount", label="Promises due"))


PROMISE_KEPT_RATE = MetricDef(
    "promise_kept_rate",
    "Promise-kept rate",
    "Promises due in the period that were paid in full by their date plus the grace days.",
    "promises kept / promises due x 100 (by count or amount)",
    "percent",
    HIGHER,
    (*CUSTOMER, "currency"),
    (GRACE, BY_AMOUNT),
    is_flow=True,
    notes="A promise is due in the period when its date plus grace falls in it; kept when the "
    "customer's payments from the day it was made to its date plus grace reach its amount.",
    split=PERCENT,
    plan=_promise_kept_rate,
)


def _call_to_promise_ratio(params: Mapping[str, str]) -> Plan:
    calls = count_of(
        ACTIVITIES,
        "calls",
        lambda t: outbound(t) & (t.channel == "call"),
        label="Outbound calls",
    )
    got = promises()
    return Plan((calls, got), lambda v, _p: f.ratio(get(v, calls.name), get(v, got.name)), "ratio")


CALL_TO_PROMISE_RATIO = MetricDef(
    "call_to_promise_ratio",
    "Calls per promise",
    "Outbound calls placed per promise obtained, in the period.",
    "outbound calls / promises",
    "ratio",
    LOWER,
    ACTIVITY,
    is_flow=True,
    notes="Calls per promise (lower is better); its inverse, promises per call, is "
    "ptp_rate-like but over calls, not right-party contacts.",
    split=MEAN,
    plan=_call_to_promise_ratio,
)


def _first_call_resolution_rate(params: Mapping[str, str]) -> Plan:
    r = ("resolution",)
    resolved = count_of(r, "resolved", lambda t: t.resolved == 1, label="Customers resolved")
    first = count_of(
        r,
        "first",
        lambda t: (t.resolved == 1) & (t.contacts == 1),
        label="Resolved at the first contact",
    )
    return percent(first, resolved)


FIRST_CALL_RESOLUTION_RATE = MetricDef(
    "first_call_resolution_rate",
    "First-contact resolution rate",
    "Of the customers resolved in the period (a contact ending in a promise or a payment), "
    "the share resolved with a single contact.",
    "customers resolved with one contact / customers resolved x 100",
    "percent",
    HIGHER,
    CUSTOMER,
    is_flow=True,
    split=PERCENT,
    plan=_first_call_resolution_rate,
)


METRICS: tuple[MetricDef, ...] = (
    CONTACT_RATE,
    RPC_RATE,
    PTP_RATE,
    PROMISE_KEPT_RATE,
    CALL_TO_PROMISE_RATIO,
    FIRST_CALL_RESOLUTION_RATE,
)
