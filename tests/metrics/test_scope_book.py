"""The KPI compiler narrows every metric to a scope's book below grouping and filters.

On the demo ledger every assignment names a team and one of its collectors, so the book of team
North must give exactly what the filter `team=North` gives, metric by metric, on every engine.
"""

from __future__ import annotations

from datetime import date

import pytest

from recoup.accounts.models import Team, User
from recoup.accounts.scope import Scope, scope_for
from recoup.demo.services import demo_ledger_generate
from recoup.metrics.catalogue import CATALOGUE
from recoup.metrics.compiler import Book
from recoup.metrics.engines import SparkEngine, engine_open
from recoup.metrics.evaluate import Point, Spec, evaluate
from recoup.metrics.selectors import book_of
from tests.metrics.conftest import engine_names

POINTS = [Point.at(date(2024, 3, 31), date(2024, 1, 1)), Point.at(date(2024, 6, 30))]
Values = dict[tuple[str, date, tuple[tuple[str, str], ...]], object]


def _values(engine: object, specs: list[Spec], book: Book | None) -> Values:
    return {
        (r.metric, r.as_of, tuple(sorted(r.dims.items()))): r.value
        for r in evaluate(engine, specs, POINTS, book=book)  # type: ignore[arg-type]
    }


@pytest.mark.django_db
def test_the_book_of_a_team_equals_the_team_filter_for_every_metric() -> None:
    demo_ledger_generate(invoices=600, seed=7, as_of=date(2024, 6, 30))
    north = Team.objects.get(name="North")
    by_team = [m.id for m in CATALOGUE.values() if "team" in m.dimensions]
    assert len(by_team) > 25
    filtered = [Spec(m, filters={"team": ("North",)}) for m in by_team]
    booked = [Spec(m) for m in by_team]
    book = Book(team_ids=(north.pk,), collector_ids=())
    for name in engine_names():
        expected = _values(engine_open(name), filtered, None)
        got = _values(engine_open(name), booked, book)
        assert sum(v not in (None, 0) for v in got.values()) > 20
        assert got == expected, name
        everything = _values(engine_open(name), booked, None)
        assert got != everything


@pytest.mark.django_db
def test_every_metric_compiles_and_runs_for_a_collectors_book() -> None:
    demo_ledger_generate(invoices=300, seed=3, as_of=date(2024, 6, 30))
    collector = User.objects.filter(role="collector").order_by("username").first()
    assert collector is not None
    book = book_of(scope_for(collector))
    assert book is not None
    assert book.team_ids
    assert collector.pk in book.collector_ids
    specs = [Spec(m) for m in CATALOGUE]
    for name in engine_names():
        assert len(_values(engine_open(name), specs, book)) >= len(CATALOGUE)


@pytest.mark.django_db
def test_an_empty_book_counts_nothing_and_spark_agrees() -> None:
    demo_ledger_generate(invoices=200, seed=5, as_of=date(2024, 6, 30))
    specs = [Spec("ar_total"), Spec("cash_collected"), Spec("contact_rate")]
    empty = book_of(Scope.nothing())
    assert empty == Book((), ())
    duck = _values(engine_open("duckdb"), specs, empty)
    assert set(duck.values()) <= {None, 0}
    north = Team.objects.get(name="North")
    book = Book(team_ids=(north.pk,), collector_ids=())
    assert _values(SparkEngine(), specs, book) == _values(engine_open("duckdb"), specs, book)
