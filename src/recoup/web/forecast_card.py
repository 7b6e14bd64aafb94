"""The dashboard's "What we will collect" card: the cash forecast of the dashboard's focus. It is
part of the dashboard (`Dashboard.forecast`), kept with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from recoup.accounts.scope import Scope
from recoup.core.formatting import value_text
from recoup.worklist.cashflow import CashForecast
from recoup.worklist.forecast import cash_forecast_kept
from recoup.worklist.forecast_display import (
    METHOD_WORDS,
    SourceTotal,
    forecast_columns,
    forecast_rows,
    forecast_sentence,
    forecast_spec,
    source_totals,
)


@dataclass(frozen=True, slots=True)
class ForecastCard:
    forecast: CashForecast
    sentence: str
    method_words: str
    sources: list[SourceTotal]
    spec: dict[str, Any]
    columns: list[str]  # after the week's first and last day
    rows: list[tuple[date, date, list[str]]]  # per week: its days and the amounts as text


def forecast_card(
    *, scope: Scope, as_of: date, team: str | None, collector: str | None
) -> ForecastCard:
    """The card's content for `scope` (narrowed to the team or collector chosen) on `as_of`."""
    forecast = cash_forecast_kept(scope=scope, as_of=as_of, team=team, collector=collector)
    return ForecastCard(
        forecast=forecast,
        sentence=forecast_sentence(forecast),
        method_words=METHOD_WORDS.get(forecast.method, forecast.method),
        sources=source_totals(forecast),
        spec=forecast_spec(forecast),
        columns=forecast_columns()[2:],
        rows=[
            (r[0], r[1], [value_text(v, "money") for v in r[2:]]) for r in forecast_rows(forecast)
        ],
    )
