"""Effort counters among key results: recognised by what a line measures, not by fixed phrases.

A line counts activity when the thing it counts is effort (calls, e-mails, visits, reminders ...):
a number or a "do more" verb in front of an effort noun, an effort noun in the unit, or a KPI
that counts effort. A line that only mentions effort on the way to a result (a rate, a result per
call, disputes after reminders) is an outcome.
"""

from __future__ import annotations

import pytest

from recoup.metrics.catalogue import CATALOGUE
from recoup.okrs.activity import ACTIVITY_METRICS, activity_advice, activity_in

# (title, unit, metric, the effort it counts or None for an outcome)
PHRASINGS: list[tuple[str, str, str, str | None]] = [
    # A number (or "number of", "frequency of") in front of an effort noun, with or without a verb.
    ("Log 80 calls a day per collector", "percent", "", "calls"),
    ("Send 500 reminder e-mails every week", "", "", "e-mails"),
    ("Each collector places 120 outbound dials per shift", "", "", "dials"),
    ("Make three follow-up calls on every broken promise", "", "", "calls"),
    ("Mail 2,000 dunning letters before the end of the quarter", "", "", "letters"),
    ("Complete 25 field visits per week in the northern region", "", "", "visits"),
    ("Raise daily contact attempts from 40 to 70", "", "", "contact attempts"),
    ("Double the number of payment reminders we send", "", "", "reminders"),
    ("Average 90 dials per agent per day", "", "", "dials"),
    ("At least 1,500 SMS sent before the due date", "", "", "text messages"),
    ("Visits paid to debtors: 40 a month", "", "", "visits"),
    ("Hold 12 payment-plan meetings with our largest debtors", "", "", "meetings"),
    (
        "Increase frequency of customer payment reminders from monthly to fortnightly",
        "",
        "",
        "reminders",
    ),
    ("Six touches per account before it moves to the agency", "", "", "touches"),
    ("Lift follow-ups on broken promises to 200 a week", "", "", "follow-ups"),
    ("Increase outbound calls by 20 %", "percent", "", "calls"),
    # An effort verb with a number of customers or accounts.
    ("Follow up on 50 broken promises a week", "", "", "follow-ups"),
    ("Text 300 customers two days before their instalment is due", "", "", "text messages"),
    ("Phone every customer more than 60 days late within 48 hours", "", "", "calls"),
    ("Email 1 000 accounts a week about their statement", "", "", "e-mails"),
    # The unit says what is counted.
    ("Outbound dialling volume", "calls/day", "", "calls"),
    ("Weekly outreach", "e-mails", "", "e-mails"),
    ("Reminder coverage", "letters", "", "letters"),
    ("Collector productivity", "Contacts per week", "", "contacts"),
    # A KPI that counts effort, named in the list or by its own words.
    ("Collector activity", "", "contact_attempts", "contact attempts"),
    ("Keep the team busy", "", "outbound_calls_made", "calls"),
    ("Reach customers", "", "sms_sent", "text messages"),
    ("Outbound effort", "", "outbound_dials", "dials"),
    # Outcomes that mention effort nouns on the way.
    ("Reduce disputes raised after reminder e-mails to under 5 %", "percent", "", None),
    ("Right-party contact rate 60 %", "percent", "rpc_rate", None),
    ("Collect 500 k USD", "USD", "cash_collected", None),
    ("More accounts settled after a single contact", "count", "", None),
    ("Share of inbound calls answered within 20 seconds above 90 %", "percent", "", None),
    ("Promises to pay per 100 calls up to 18", "promises", "", None),
    ("Cash collected from visited accounts up 15 %", "percent", "", None),
    ("Letters of credit issued on time for 98 % of export orders", "percent", "", None),
    ("Fewer customer complaints about collection calls", "count", "", None),
    ("Half of the right-party contacts end in a promise to pay", "percent", "", None),
    ("Invoices paid within 7 days of the first reminder: 70 %", "percent", "", None),
    ("Self-service portal visits converting to a payment above 30 %", "percent", "", None),
    ("Failed card payment attempts below 2 %", "percent", "", None),
    ("Cost per call under 1.20 EUR", "EUR", "", None),
    ("Lift the call quality score to 85", "points", "", None),
    ("Keep the e-mail bounce rate under 2 %", "percent", "", None),
    ("Promise-to-pay rate from calls above 35 %", "percent", "ptp_rate", None),
    ("Days to the first contact with a new late payer", "days", "days_to_first_contact", None),
    ("Balance over 90 days past due down by 1.2 M EUR", "EUR", "ar_90_plus", None),
    ("Resolve 60 % of accounts within 3 calls", "percent", "", None),
    # A share of the effort that went well is a rate.
    ("Dunning letters sent on time: 99 %", "percent", "", None),
    # Efficiency (effort per result) is an outcome: fewer calls for the same promise is better
    # work, not busier work. The catalogue's call_to_promise_ratio reads the same way.
    ("Cut calls needed per promise from 6 to 4", "calls per promise", "", None),
    ("Fewer calls for each promise to pay", "ratio", "call_to_promise_ratio", None),
    ("E-mails per payment received down to 3", "", "", None),
    # Less inbound demand from confused customers is a result, not effort.
    ("Decrease inbound calls from confused customers by 30 %", "percent", "", None),
]


@pytest.mark.parametrize(("title", "unit", "metric", "effort"), PHRASINGS)
def test_activity_is_recognised_by_what_the_key_result_counts(
    title: str, unit: str, metric: str, effort: str | None
) -> None:
    match = activity_in(title=title, unit=unit, metric=metric)
    assert (match.effort if match else None) == effort


def test_the_table_holds_enough_phrasings_of_both_kinds() -> None:
    assert sum(1 for *_, e in PHRASINGS if e) >= 20
    assert sum(1 for *_, e in PHRASINGS if e is None) >= 20


def test_every_catalogue_kpi_that_counts_activity_records_is_an_activity_metric() -> None:
    # The catalogue has no "kind" field: a KPI counts effort when it is a count over the
    # activity records (those carry a channel); rates and ratios over them are outcomes.
    for metric in CATALOGUE.values():
        counts_effort = metric.unit == "count" and "channel" in metric.dimensions
        found = activity_in(title=metric.title, unit="", metric=metric.id)
        assert (found is not None) == counts_effort, metric.id


def test_the_named_activity_metrics_are_all_recognised() -> None:
    assert ACTIVITY_METRICS
    for metric in ACTIVITY_METRICS:
        assert activity_in(title="", unit="", metric=metric) is not None, metric


def test_the_advice_says_why_and_offers_an_outcome_to_measure_instead() -> None:
    title = "Log 80 calls a day per collector"
    match = activity_in(title=title, unit="", metric="")
    assert match is not None
    message, fix = activity_advice(match, title)
    assert message.startswith("'Log 80 calls a day per collector' counts effort")
    assert "collect" in message
    assert fix == (
        "Keep it as an initiative and measure what the calls should change, e.g. the "
        "promise-to-pay rate or the cash collected from the called accounts."
    )


def test_the_advice_fits_the_effort_and_names_the_unit_or_kpi_that_gave_it_away() -> None:
    by_unit = activity_in(title="Reminder coverage", unit="letters", metric="")
    assert by_unit is not None
    message, fix = activity_advice(by_unit, "Reminder coverage")
    assert "counted in letters" in message
    assert "what the letters should change" in fix
    assert "paid by their due date" in fix
    by_kpi = activity_in(title="Collector activity", unit="", metric="contact_attempts")
    assert by_kpi is not None
    message, fix = activity_advice(by_kpi, "Collector activity")
    assert "contact_attempts" in message
    assert "right-party contact rate" in fix


def test_a_long_title_is_shortened_in_the_advice() -> None:
    title = "Send 500 reminder e-mails every week " + "to every customer in the region " * 4
    match = activity_in(title=title, unit="", metric="")
    assert match is not None
    message, _ = activity_advice(match, title)
    assert "…'" in message
    assert len(message) < len(title) + 80
