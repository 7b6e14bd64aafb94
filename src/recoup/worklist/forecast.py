"""The cash forecast as pages and reports ask for it: a scope's book (narrowed to a team or a
collector when one is chosen), kept until the next commit, from the kept likelihood fit (a page
never fits one: without a fit, the forecast uses payment behaviour)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from recoup.accounts.models import Team, User
from recoup.accounts.scope import Scope
from recoup.core.answers import until_next_commit
from recoup.core.money import Money
from recoup.ledger.models import Customer
from recoup.ledger.selectors import customers_in_scope
from recoup.worklist.cashflow import WEEKS, CashForecast, cash_forecast_read
from recoup.worklist.likelihood import PAY, Likelihood
from recoup.worklist.models import FittedLikelihood


def likelihood_kept(question: str = PAY.key) -> Likelihood | None:
    """The latest kept fit of `question` that this version can score with, or None."""
    latest = (
        FittedLikelihood.objects.filter(question=question).order_by("-trained_on", "-id").first()
    )
    if latest is None:
        return None
    found = Likelihood.from_json(latest.parameters)
    return found if found.fits() else None


def forecast_customers(
    scope: Scope, as_of: date, *, team: str | None = None, collector: str | None = None
) -> QuerySet[Customer] | None:
    """The customers a forecast covers: `scope`'s book on `as_of`, narrowed to the team or the
    collector (username) chosen; None for the whole ledger."""
    if scope.sees_all and team is None and collector is None:
        return None
    customers = customers_in_scope(scope, on=as_of)
    if team is not None:
        team_ids = frozenset(Team.objects.filter(name=team).values_list("pk", flat=True))
        narrow = Scope(sees_all=False, team_ids=team_ids, asked_by=scope.asked_by)
        customers = customers.filter(pk__in=customers_in_scope(narrow, on=as_of).values("pk"))
    if collector is not None:
        ids = frozenset(User.objects.filter(username=collector).values_list("pk", flat=True))
        narrow = Scope(sees_all=False, collector_ids=ids, asked_by=scope.asked_by)
        customers = customers.filter(pk__in=customers_in_scope(narrow, on=as_of).values("pk"))
    return customers


def cash_forecast_kept(
    *,
    scope: Scope,
    as_of: date,
    team: str | None = None,
    collector: str | None = None,
    weeks: int = WEEKS,
) -> CashForecast:
    """The forecast of what `scope` sees (narrowed to `team` or `collector`) as of `as_of`,
    kept until the next commit: the dashboard asks for it on every page."""
    likelihood = likelihood_kept()

    def build() -> CashForecast:
        customers = forecast_customers(scope, as_of, team=team, collector=collector)
        ids = None if customers is None else sorted(customers.values_list("pk", flat=True))
        return cash_forecast_read(as_of=as_of, likelihood=likelihood, customer_ids=ids, weeks=weeks)

    key = (
        "cash-forecast",
        as_of.isoformat(),
        scope.cache_key(),
        team,
        collector,
        weeks,
        likelihood.key if likelihood is not None else "behaviour",
    )
    return until_next_commit(key, build)


def cash_forecast_total(scope: Scope, as_of: date, weeks: int = WEEKS) -> Money:
    """What `scope`'s book is expected to bring in the `weeks` after `as_of`, in the base
    currency: the reading a key result bound to the forecast takes."""
    forecast = cash_forecast_kept(scope=scope, as_of=as_of, weeks=weeks)
    return Money(forecast.total_minor, forecast.currency)
