"""Back-test of the cash forecast on the demo ledger's history: forecast 13 weeks from a past day
and measure the error against what actually came in each week.

    .venv/bin/python -m bench cashflow [--invoices 20000] [--cache DIR] [--from 2026-07-01]

The ledger comes from the demo generator (as of 2026-09-30), generated once into a cached
directory and reused. Two scopes, each against the naive baseline of the same scope:
- all cash: every payment in each week (the forecast's four sources, new invoices included);
  baseline: the weekly average of all cash in the 13 weeks before the day;
- today's open items: what the invoices open on the day brought (the forecast without new
  invoices); baseline: the weekly average of what the book open 13 weeks earlier brought in its
  next 13 weeks.
Printed per week: actual, forecast (likelihood), its 10-90 % range, forecast from payment
behaviour alone, baseline; then per scope the mean absolute percentage error per week and the
error of the 13-week total, and the share of weeks whose actual fell in the range. Goal: the
forecast's total error within 10 %, its weekly MAPE below the baseline's, the range holding about
80 % of the weeks.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.bench_compliance import _generate

LEDGER_AS_OF = date(2026, 9, 30)
GOAL_TOTAL_ERROR = 0.10
GOAL_COVERAGE = 0.80


def _collected_by_week(facts: Any, on: date, weeks: int, *, open_only: bool) -> list[float]:
    """What came in each of the `weeks` after `on`, base minor: every payment, or those of the
    invoices open on `on` (`open_only`)."""
    import numpy as np

    from recoup.worklist.cashflow import week_of
    from recoup.worklist.features import invoice_open

    mask = facts.pay_day > on.toordinal()
    if open_only:
        open_then = invoice_open(facts, on.toordinal()) > 0.5
        mask &= open_then[facts.pay_inv]
    week = week_of(facts.pay_day[mask], on)
    amount = facts.pay_amount[mask] * facts.inv_factor[facts.pay_inv[mask]]
    inside = week < weeks
    return [float(v) for v in np.bincount(week[inside], weights=amount[inside], minlength=weeks)][
        :weeks
    ]


def _mape(forecast: list[float], actual: list[float]) -> float:
    pairs = [(f, a) for f, a in zip(forecast, actual, strict=True) if a > 0]
    return sum(abs(f - a) / a for f, a in pairs) / len(pairs) if pairs else float("nan")


def _total_error(forecast: list[float], actual: list[float]) -> float:
    return (sum(forecast) - sum(actual)) / sum(actual) if sum(actual) else float("nan")


def _money(minor: float) -> str:
    return f"{minor / 100:>14,.0f}"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench cashflow")
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--from", dest="start", type=date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    cache = args.cache or Path(f"/tmp/recoup-bench-cashflow-{args.invoices}")
    _generate(cache, args.invoices)
    os.environ.pop("DATABASE_URL", None)
    os.environ["RECOUP_DATA_DIR"] = str(cache)
    import django

    django.setup()
    from recoup.worklist.cashflow import WEEKS, cash_forecast, scheduled_load
    from recoup.worklist.features import ledger_facts_load
    from recoup.worklist.likelihood import PAY, likelihood_fit

    start: date = args.start or LEDGER_AS_OF - timedelta(days=7 * WEEKS)
    earlier = start - timedelta(days=7 * WEEKS)
    known = ledger_facts_load(until=start)
    fit = likelihood_fit(known, start, PAY)
    started = time.perf_counter()
    promises, instalments = scheduled_load(known, start, WEEKS)
    with_model = cash_forecast(
        facts=known, as_of=start, likelihood=fit, promises=promises, instalments=instalments
    )
    took = time.perf_counter() - started
    behaviour = cash_forecast(
        facts=known, as_of=start, likelihood=None, promises=promises, instalments=instalments
    )
    everything = ledger_facts_load(until=LEDGER_AS_OF)
    actual = _collected_by_week(everything, start, WEEKS, open_only=False)
    naive = [sum(_collected_by_week(everything, earlier, WEEKS, open_only=False)) / WEEKS] * WEEKS
    model = [float(w.expected_minor) for w in with_model.weeks]
    plain = [float(w.expected_minor) for w in behaviour.weeks]
    actual_open = _collected_by_week(everything, start, WEEKS, open_only=True)
    naive_open = [sum(_collected_by_week(everything, earlier, WEEKS, open_only=True)) / WEEKS]
    naive_open *= WEEKS
    model_open = [float(w.expected_minor - w.new_invoices_minor) for w in with_model.weeks]
    plain_open = [float(w.expected_minor - w.new_invoices_minor) for w in behaviour.weeks]

    print(
        f"forecast from {start} ({args.invoices:,} invoices, {with_model.method} fitted),"
        f" computed in {took:.1f} s (curves from {with_model.history_weeks} past weeks)"
    )
    print(f"{'week from':<12}{'actual':>14}{'forecast':>14}{'low':>14}{'high':>14}", end="")
    print(f"{'behaviour':>14}{'naive':>14}{'new inv.':>14}")
    for i, week in enumerate(with_model.weeks):
        print(
            f"{week.starts_on!s:<12}{_money(actual[i])}{_money(model[i])}"
            f"{_money(week.low_minor)}{_money(week.high_minor)}{_money(plain[i])}"
            f"{_money(naive[i])}{_money(week.new_invoices_minor)}"
        )
    print(
        f"{'13 weeks':<12}{_money(sum(actual))}{_money(sum(model))}"
        f"{_money(with_model.low_total_minor)}{_money(with_model.high_total_minor)}"
        f"{_money(sum(plain))}{_money(sum(naive))}"
        f"{_money(with_model.source_total('new_invoices'))}"
    )
    inside = sum(
        1 for w, a in zip(with_model.weeks, actual, strict=True) if w.low_minor <= a <= w.high_minor
    )
    coverage = inside / WEEKS
    total_inside = with_model.low_total_minor <= sum(actual) <= with_model.high_total_minor
    print()
    print(f"{'':<52}{'MAPE per week':>16}{'total error':>14}")
    for scope, rows in (
        (
            "all cash",
            (
                ("forecast (likelihood)", model, actual),
                ("forecast (behaviour only)", plain, actual),
                ("baseline: last 13 weeks", naive, actual),
            ),
        ),
        (
            "today's open items",
            (
                ("forecast (likelihood)", model_open, actual_open),
                ("forecast (behaviour only)", plain_open, actual_open),
                ("baseline: book 13 weeks earlier", naive_open, actual_open),
            ),
        ),
    ):
        for name, series, truth in rows:
            label = f"{scope}: {name}"
            print(f"{label:<52}{_mape(series, truth):>15.1%}{_total_error(series, truth):>+14.1%}")
    print(
        f"range: {inside} of {WEEKS} weeks ({coverage:.0%}) fell in the 10-90 % range;"
        f" the 13-week total {'did' if total_inside else 'did not'}"
    )
    error = abs(_total_error(model, actual))
    beats = _mape(model, actual) < _mape(naive, actual) and abs(_total_error(model, actual)) < abs(
        _total_error(naive, actual)
    )
    verdict = "met" if error <= GOAL_TOTAL_ERROR and beats else "not met"
    print(
        f"goal (all cash): total error within {GOAL_TOTAL_ERROR:.0%}, weekly MAPE and total error"
        f" below the baseline's: {verdict} (total error {error:.1%});"
        f" range near {GOAL_COVERAGE:.0%}: {coverage:.0%}"
    )
