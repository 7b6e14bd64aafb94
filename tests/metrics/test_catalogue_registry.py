"""The catalogue is a registry: each entry carries its plan, each measure its label.

Adding a KPI is one entry: a metric registered here, in no other module, is computed, grouped
and explained like the catalogue's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import pytest

from recoup.accounts.scope import Scope
from recoup.metrics.catalogue import CATALOGUE, PERCENT, MetricDef, MetricInputError, Param
from recoup.metrics.catalogue.base import AGED, ANCHOR, BUCKETS, HIGHER
from recoup.metrics.catalogue.measures import open_amount
from recoup.metrics.evaluate import plan_metric
from recoup.metrics.plans import Plan, open_rel, percent, sum_of
from recoup.metrics.selectors import metric_contributors, metric_query
from tests.metrics.builder import Ledger
from tests.metrics.test_compiled_sql import variants

EVERYTHING = Scope.organisation("tests")
AS_OF = date(2026, 9, 30)


def _plans() -> list[tuple[str, dict[str, str], Plan]]:
    out = []
    for mdef in CATALOGUE.values():
        for given in variants(mdef):
            try:
                out.append((mdef.id, given, plan_metric(mdef, mdef.resolve_params(given))))
            except MetricInputError:
                # roll and cure from the default bucket "1-30" with anchor=invoice: refused, with
                # no measures to label (the compiled-SQL snapshots keep the refusal).
                continue
    return out


def test_every_measure_of_every_variant_has_its_own_label() -> None:
    plans = _plans()
    assert len(plans) > len(CATALOGUE)
    unlabelled = [
        (metric, given, m.name)
        for metric, given, plan in plans
        for m in plan.measures
        if not m.label
    ]
    assert unlabelled == []


def test_a_measure_name_means_one_thing_everywhere() -> None:
    # Queries share a measure by name (`plan_queries`): one name, one label.
    labels: dict[str, set[str]] = {}
    for _metric, _given, plan in _plans():
        for m in plan.measures:
            labels.setdefault(m.name, set()).add(m.label)
    assert {name: found for name, found in labels.items() if len(found) > 1} == {}


def test_labels_name_the_parameters_they_were_made_with() -> None:
    def label_of(metric: str, name: str, **given: str) -> str:
        mdef = CATALOGUE[metric]
        plan = plan_metric(mdef, mdef.resolve_params(given))
        return next(m.label for m in plan.measures if m.name == name)

    assert label_of("ar_90_plus", "over_60", days="60") == "Open over 60 days past due"
    assert label_of("accounts_90_plus", "acc_90") == "Accounts over 90 days past due"
    assert label_of("dso", "sales_30", window="30") == "Sales, last 30 days"
    assert label_of("dso_countback", "cb6_3", lookback="6") == "Sales, month 3 back"
    assert label_of("cost_to_collect", "cost") == "Collection cost"


def test_a_plan_missing_a_parameter_is_refused_with_its_name() -> None:
    with pytest.raises(MetricInputError, match="ar_90_plus needs parameter 'days'"):
        plan_metric(CATALOGUE["ar_90_plus"], {})


def test_the_registry_keeps_the_catalogue_order_of_the_docs() -> None:
    ids = list(CATALOGUE)
    assert ids[:3] == ["ar_total", "ar_current", "ar_overdue"]
    assert ids[-1] == "over_limit_exposure"
    assert len(ids) == len(set(ids))


# -- one edit: a metric declared only here --------------------------------------------------------


def _due_soon_plan(params: Mapping[str, str]) -> Plan:
    days = int(params["days"])
    soon = sum_of(
        open_rel(params),
        f"soon_{days}",
        "open",
        lambda t: (t.dpd >= -days) & (t.dpd <= 0),
        label=f"Due within {days} days",
    )
    return percent(soon, open_amount(params))


DUE_SOON = MetricDef(
    "test_ar_due_soon",
    "Receivables falling due soon",
    "Share of open receivables falling due within `days` days of the date.",
    "sum(open amount where 0 <= due date - D <= days) / ar_total x 100",
    "percent",
    HIGHER,
    AGED,
    (Param("days", "7", "days ahead", kind="int"), ANCHOR, BUCKETS),
    split=PERCENT,
    plan=_due_soon_plan,
)


@pytest.fixture
def due_soon(monkeypatch: pytest.MonkeyPatch) -> MetricDef:
    """The entry in the registry for the test only."""
    monkeypatch.setitem(CATALOGUE, DUE_SOON.id, DUE_SOON)
    return DUE_SOON


@pytest.fixture
def book(db: None) -> Ledger:
    """As of 30 Sep 2026 North's Acme owes 1,000 due in 5 days and 500 due in 61; South's Globex
    owes 500 past due."""
    ledger = Ledger()
    ledger.customer("Acme", team="North", since="2025-01-01")
    ledger.customer("Globex", team="South", since="2025-01-01")
    ledger.invoice("Acme", "1000.00", issued="2026-09-05", due="2026-10-05")
    ledger.invoice("Acme", "500.00", issued="2026-09-30", due="2026-11-30")
    ledger.invoice("Globex", "500.00", issued="2026-08-01", due="2026-09-01")
    return ledger


def _values(
    metric: str,
    *,
    params: Mapping[str, Mapping[str, str]] | None = None,
    dims: Sequence[str] = (),
) -> dict[tuple[str, ...], Decimal | None]:
    found = metric_query(scope=EVERYTHING, metrics=[metric], as_of=AS_OF, params=params, dims=dims)
    return {tuple(r.dims.values()): r.value for r in found.results}


def test_a_metric_registered_in_one_place_is_computed_grouped_and_explained(
    due_soon: MetricDef, book: Ledger
) -> None:
    assert _values(due_soon.id) == {(): Decimal("50.00")}
    assert _values(due_soon.id, params={due_soon.id: {"days": "90"}}) == {(): Decimal("75.00")}
    assert _values(due_soon.id, dims=["team"]) == {
        ("North",): Decimal("66.67"),
        ("South",): Decimal("0.00"),
    }
    behind = metric_contributors(scope=EVERYTHING, metric=due_soon.id, as_of=AS_OF)
    assert [c.label for c in behind.columns] == ["Due within 7 days", "Open amount"]
    assert [r.measures for r in behind.rows] == [
        (Decimal("1000.00"), Decimal("1500.00")),
        (Decimal("0.00"), Decimal("500.00")),
    ]


def test_the_registered_metric_is_gone_after_its_test() -> None:
    assert DUE_SOON.id not in CATALOGUE
