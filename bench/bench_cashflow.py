"""Back-test of the cash forecast on the demo ledger's history: forecast 13 weeks from a past day
and measure the error against what the invoices open that day actually brought in each week.

    .venv/bin/python -m bench cashflow [--invoices 20000] [--cache DIR] [--from 2026-06-30]

The ledger comes from the demo generator (as of 2026-09-30), generated once into a cached
directory and reused. Printed: per week the actual collections, the forecast with the likelihood
model (and its 10-90 % range), the forecast from payment behaviour alone, and the naive baseline
(the weekly average of what the book open 13 weeks earlier brought in its next 13 weeks); then the
mean absolute percentage error per week and the error of the 13-week total, for each. Goal: the
forecast's total error within 10 % and its weekly MAPE below the baseline's.
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


def _collected_by_week(facts: Any, on: date, weeks: int) -> list[float]:
    """What the invoices open on `on` brought in each of the `weeks` after it, base minor."""
    import numpy as np

    from recoup.worklist.cashflow import week_of
    from recoup.worklist.features import invoice_open

    open_then = invoice_open(facts, on.toordinal()) > 0.5
    after = facts.pay_day > on.toordinal()
    mask = after & open_then[facts.pay_inv]
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
    started = time.perf_counter()
    known = ledger_facts_load(until=start)
    fit = likelihood_fit(known, start, PAY)
    promises, instalments = scheduled_load(known, start, WEEKS)
    with_model = cash_forecast(
        facts=known, as_of=start, likelihood=fit, promises=promises, instalments=instalments
    )
    behaviour = cash_forecast(
        facts=known, as_of=start, likelihood=None, promises=promises, instalments=instalments
    )
    took = time.perf_counter() - started
    everything = ledger_facts_load(until=LEDGER_AS_OF)
    actual = _collected_by_week(everything, start, WEEKS)
    before = _collected_by_week(everything, earlier, WEEKS)
    naive = [sum(before) / WEEKS] * WEEKS
    model = [float(w.expected_minor) for w in with_model.weeks]
    plain = [float(w.expected_minor) for w in behaviour.weeks]

    def money(minor: float) -> str:
        return f"{minor / 100:>14,.0f}"

    print(
        f"forecast from {start} ({args.invoices:,} invoices, {with_model.method} fitted),"
        f" read and computed in {took:.1f} s; actual = what the book open that day brought"
    )
    print(f"{'week from':<12}{'actual':>14}{'forecast':>14}{'low':>14}{'high':>14}", end="")
    print(f"{'behaviour':>14}{'naive':>14}")
    for i, week in enumerate(with_model.weeks):
        print(
            f"{week.starts_on!s:<12}{money(actual[i])}{money(model[i])}{money(week.low_minor)}"
            f"{money(week.high_minor)}{money(plain[i])}{money(naive[i])}"
        )
    print(
        f"{'13 weeks':<12}{money(sum(actual))}{money(sum(model))}"
        f"{money(with_model.low_total_minor)}{money(with_model.high_total_minor)}"
        f"{money(sum(plain))}{money(sum(naive))}"
    )
    print()
    print(f"{'':<28}{'MAPE per week':>16}{'total error':>14}")
    for name, series in (
        ("forecast (likelihood)", model),
        ("forecast (behaviour only)", plain),
        ("baseline: last 13 weeks", naive),
    ):
        print(f"{name:<28}{_mape(series, actual):>15.1%}{_total_error(series, actual):>+14.1%}")
    error = abs(_total_error(model, actual))
    beats = _mape(model, actual) < _mape(naive, actual)
    verdict = "met" if error <= GOAL_TOTAL_ERROR and beats else "not met"
    print(
        f"goal: total error within {GOAL_TOTAL_ERROR:.0%} and weekly MAPE below the baseline's:"
        f" {verdict} (total error {error:.1%})"
    )
