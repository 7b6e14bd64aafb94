"""The agency scorecard: placed, recovered while placed, liquidation, commission by placement
age, net, days to first payment and open placements, per agency and placement month; its rates
equal the catalogue's; a collector counts their book only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from recoup.accounts.models import AuditEntry, Role, Team, User
from recoup.accounts.scope import Scope, scope_for
from recoup.accounts.services import team_member_add, user_create
from recoup.core.errors import AccessDeniedError
from recoup.core.money import Money
from recoup.ledger.commissions import (
    Bands,
    CommissionRateError,
    agency_commission_rate_set,
    commission_of,
    recovery_commission,
)
from recoup.ledger.models import Agency, AgencyCommissionRate, AgencyRemittance, Payment
from recoup.metrics.selectors import metric_query
from recoup.placements.scorecard import agency_scorecard
from tests.metrics.builder import Ledger

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
FROM = date(2026, 1, 1)


@dataclass
class Story:
    ledger: Ledger
    manager: User
    ann: User  # collector of North
    late_payment: Payment  # Bolt's second recovery, day 89 of its placement


@pytest.fixture
def story() -> Story:
    manager = user_create(username="mona", password=None, role=Role.MANAGER)
    ann = user_create(username="ann", password=None, role=Role.COLLECTOR)
    north = Team.objects.create(name="North")
    Team.objects.create(name="South")
    team_member_add(team=north, user=ann)
    book = Ledger()
    book.customer("Acme", team="North", collector="ann")
    book.customer("Gamma", team="North", collector="ann")
    book.customer("Beta", team="South")
    # Apex: Acme's invoice placed 10 January, recalled 1 March; 300 recovered on day 26, 50
    # after the recall. Gamma's invoice placed 20 January, nothing recovered, still placed.
    acme = book.invoice("Acme", "1000", issued="2025-10-01", due="2025-10-31")
    book.place(acme, "Apex", on="2026-01-10", amount="1000", recalled="2026-03-01")
    book.pay(acme, "300", on="2026-02-05")
    book.pay(acme, "50", on="2026-03-10")
    gamma = book.invoice("Gamma", "400", issued="2025-10-01", due="2025-10-31")
    book.place(gamma, "Apex", on="2026-01-20", amount="400")
    # Bolt: Beta's invoice placed 1 February; 200 on day 42, 100 on day 89.
    beta = book.invoice("Beta", "800", issued="2025-11-01", due="2025-11-30")
    book.place(beta, "Bolt", on="2026-02-01", amount="800")
    book.pay(beta, "200", on="2026-03-15")
    late = book.pay(beta, "100", on="2026-05-01")
    apex, bolt = Agency.objects.get(name="Apex"), Agency.objects.get(name="Bolt")
    for agency, start, rate in (
        (apex, 0, 2000),
        (apex, 90, 3000),
        (bolt, 0, 2505),
        (bolt, 60, 3333),
    ):
        agency_commission_rate_set(agency=agency, from_days=start, rate_bp=rate, actor=manager)
    return Story(book, manager, ann, late)


def test_commission_is_rounded_half_to_even_to_the_minor_unit() -> None:
    assert commission_of(Money(5, "USD"), 5000) == Money(2, "USD")
    assert commission_of(Money(7, "USD"), 5000) == Money(4, "USD")
    assert commission_of(Money(200_00, "USD"), 2505) == Money(50_10, "USD")
    assert commission_of(Money(1_001, "JPY"), 3333) == Money(334, "JPY")


def test_the_band_is_the_placements_age_on_the_payment_date() -> None:
    bands = Bands.of([(90, 3000), (0, 2000)])
    placed = date(2026, 1, 1)
    amount = Money(100_00, "USD")
    assert recovery_commission(bands, amount, placed_on=placed, received_on=date(2026, 3, 31)) == (
        Money(20_00, "USD")
    )  # day 89
    assert recovery_commission(bands, amount, placed_on=placed, received_on=date(2026, 4, 1)) == (
        Money(30_00, "USD")
    )  # day 90
    assert Bands().rate_bp(400) == 0


def test_each_agency_and_month_adds_up(story: Story) -> None:
    card = agency_scorecard(scope=Scope.organisation("test"), as_of=AS_OF, period_from=FROM)
    assert [r.name for r in card.rows] == ["Apex", "Bolt"]
    apex, bolt = card.rows
    (january,) = apex.months
    assert january.month == date(2026, 1, 1)
    f = january.figures
    assert (f.placed_count, f.placed, f.recovered, f.collected) == (2, 1400_00, 300_00, 350_00)
    assert (f.recovery_rate, f.liquidation_rate) == (Decimal("21.43"), Decimal("25.00"))
    assert (f.commission, f.net) == (60_00, 240_00)
    assert f.median_days_to_first_payment == Decimal("26.00")
    assert f.open_count == 1  # Acme's was recalled before the as-of date
    b = bolt.figures
    assert (b.placed_count, b.placed, b.recovered, b.recovery_rate) == (
        1,
        800_00,
        300_00,
        Decimal("37.50"),
    )
    # 200 on day 42 at 25.05 %, 100 on day 89 at 33.33 %.
    assert (b.commission, b.net) == (50_10 + 33_33, 300_00 - 83_43)
    assert card.total.placed == 2200_00
    assert card.total.commission == 60_00 + 83_43


def test_what_the_agency_reported_keeping_is_its_commission(story: Story) -> None:
    bolt = Agency.objects.get(name="Bolt")
    AgencyRemittance.objects.create(
        external_id="B-77",
        placement=bolt.placements.get(),
        payment=story.late_payment,
        received_on=story.late_payment.received_on,
        amount_minor=100_00,
        commission_minor=10_00,
        currency="USD",
    )
    card = agency_scorecard(scope=Scope.organisation("test"), as_of=AS_OF, period_from=FROM)
    assert card.rows[1].figures.commission == 50_10 + 10_00


def test_the_rates_equal_the_catalogue_kpis_by_agency(story: Story) -> None:
    card = agency_scorecard(scope=Scope.organisation("test"), as_of=AS_OF, period_from=FROM)
    kpis = metric_query(
        scope=Scope.organisation("test"),
        metrics=["recovery_rate", "liquidation_rate"],
        as_of=AS_OF,
        period_from=FROM,
        dims=("agency",),
    )
    catalogue = {(r.metric, r.dims["agency"]): r.value for r in kpis.results}
    mine = {}
    for row in card.rows:
        mine[("recovery_rate", row.name)] = row.figures.recovery_rate
        mine[("liquidation_rate", row.name)] = row.figures.liquidation_rate
    assert mine == catalogue


def test_a_collector_counts_the_placements_of_their_book_only(story: Story) -> None:
    card = agency_scorecard(scope=scope_for(story.ann), as_of=AS_OF, period_from=FROM)
    assert [r.name for r in card.rows] == ["Apex"]
    assert card.total.placed == 1400_00


def test_a_rate_change_is_audited_and_only_managers_and_admins_make_it(story: Story) -> None:
    apex = Agency.objects.get(name="Apex")
    agency_commission_rate_set(agency=apex, from_days=90, rate_bp=3500, actor=story.manager)
    entry = AuditEntry.objects.filter(action="agency_commission_rate_set").latest("id")
    assert entry.before == {"agency": "Apex", "from_days": 90, "rate": "30 %"}
    assert entry.after == {"agency": "Apex", "from_days": 90, "rate": "35 %"}
    agency_commission_rate_set(agency=apex, from_days=90, rate_bp=None, actor=story.manager)
    assert list(AgencyCommissionRate.objects.filter(agency=apex).values_list("from_days")) == [(0,)]
    with pytest.raises(AccessDeniedError):
        agency_commission_rate_set(agency=apex, from_days=30, rate_bp=100, actor=story.ann)
    with pytest.raises(CommissionRateError, match="0 % to 100 %"):
        agency_commission_rate_set(agency=apex, from_days=30, rate_bp=10_001, actor=story.manager)
