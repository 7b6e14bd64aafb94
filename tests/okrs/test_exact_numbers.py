"""Key result numbers keep every digit on every database (decision 0022).

SQLite turns a `DecimalField` into a binary float with 15 significant digits; a key result that
tracks money must keep its cents like the ledger does. These run on SQLite by default and on
PostgreSQL under `scripts/with-postgres`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Avg, Sum

from recoup.accounts.models import User
from recoup.okrs.models import CheckIn, Cycle, KeyResult
from recoup.okrs.selectors import key_result_state
from recoup.okrs.services import checkin_create, key_result_update

BIG = Decimal("123456789012.345678")  # 18 significant digits: more than a float holds


def _promises(quarter: Cycle) -> KeyResult:
    return KeyResult.objects.get(objective__cycle=quarter, key="promises")


def test_baseline_target_and_checkin_value_keep_every_digit(quarter: Cycle, manager: User) -> None:
    kr = _promises(quarter)
    key_result_update(
        key_result=kr,
        changes={"baseline": BIG, "target": BIG + Decimal("0.0001"), "target_change_pct": None},
        actor=manager,
    )
    checkin_create(
        key_result=kr, value=BIG, confidence="on_track", data_date=date(2026, 7, 6), author=manager
    )

    fresh = KeyResult.objects.get(pk=kr.pk)
    assert fresh.baseline == BIG
    assert fresh.target == Decimal("123456789012.345778")
    assert CheckIn.objects.get(key_result=kr).value == BIG
    assert list(CheckIn.objects.filter(key_result=kr).values_list("value", flat=True)) == [BIG]


def test_weight_and_target_change_keep_their_decimal_places(quarter: Cycle) -> None:
    kr = _promises(quarter)
    KeyResult.objects.filter(pk=kr.pk).update(
        weight=Decimal("12345.678"), target_change_pct=Decimal("-123456.789")
    )
    fresh = KeyResult.objects.get(pk=kr.pk)
    assert fresh.weight == Decimal("12345.678")
    assert fresh.target_change_pct == Decimal("-123456.789")


def test_progress_from_numbers_beyond_a_float_is_exact(quarter: Cycle, manager: User) -> None:
    # Baseline and target a ten-thousandth apart, the check-in half way: a float sees three equal
    # numbers and no progress at all.
    kr = _promises(quarter)
    key_result_update(
        key_result=kr,
        changes={"baseline": BIG, "target": BIG + Decimal("0.0001"), "target_change_pct": None},
        actor=manager,
    )
    checkin_create(
        key_result=kr,
        value=BIG + Decimal("0.00005"),
        confidence="on_track",
        data_date=date(2026, 7, 6),
        author=manager,
    )
    state = key_result_state(key_result=KeyResult.objects.get(pk=kr.pk), today=date(2026, 7, 8))
    assert state.progress == 0.5


def test_a_stored_value_is_found_by_equality_whatever_its_trailing_zeros(quarter: Cycle) -> None:
    kr = _promises(quarter)
    KeyResult.objects.filter(pk=kr.pk).update(baseline=BIG)
    assert KeyResult.objects.filter(baseline=Decimal("123456789012.3456780")).get() == kr
    assert KeyResult.objects.filter(baseline__in=[BIG, Decimal(1)]).get() == kr


def test_greater_and_less_than_compare_numbers_not_text(quarter: Cycle) -> None:
    # As text, "10.000000" sorts before "9.000000"; the comparison must be numeric.
    kr = _promises(quarter)
    KeyResult.objects.filter(pk=kr.pk).update(baseline=Decimal(10))
    ours = KeyResult.objects.filter(pk=kr.pk)
    assert ours.filter(baseline__gt=Decimal(9)).exists()
    assert ours.filter(baseline__gte=Decimal(10)).exists()
    assert not ours.filter(baseline__lt=Decimal(9)).exists()
    assert ours.filter(baseline__lte=Decimal("10.5")).exists()
    assert ours.filter(baseline__lt=Decimal(-1)).exists() is False


def test_sums_and_averages_in_sql_still_answer_numbers(quarter: Cycle) -> None:
    # Text columns on SQLite: the database adds them as floats, which is fine for small weights.
    # (MAX and MIN would compare text there; decision 0022 says to take those in Python.)
    weights = KeyResult.objects.filter(objective__cycle=quarter).aggregate(
        total=Sum("weight"), mean=Avg("weight")
    )
    assert weights == {"total": Decimal(6), "mean": Decimal("1.2")}


def test_the_database_still_refuses_a_weight_that_is_not_positive(quarter: Cycle) -> None:
    kr = _promises(quarter)
    for bad in (Decimal(0), Decimal("-0.5")):
        with pytest.raises(IntegrityError), transaction.atomic():
            KeyResult.objects.filter(pk=kr.pk).update(weight=bad)
    KeyResult.objects.filter(pk=kr.pk).update(weight=Decimal("10.5"))
    assert KeyResult.objects.get(pk=kr.pk).weight == Decimal("10.500")


def test_more_decimal_places_than_the_column_holds_round_like_postgresql(quarter: Cycle) -> None:
    kr = _promises(quarter)
    KeyResult.objects.filter(pk=kr.pk).update(baseline=Decimal("1.0000005"))
    assert KeyResult.objects.get(pk=kr.pk).baseline == Decimal("1.000001")


def test_full_clean_still_checks_digits_and_decimal_places(quarter: Cycle) -> None:
    kr = _promises(quarter)
    kr.baseline = Decimal("1.1234567")
    with pytest.raises(ValidationError, match="decimal places"):
        kr.full_clean()
    kr.baseline = Decimal("1234567890123456789.5")
    with pytest.raises(ValidationError, match="digits"):
        kr.full_clean()
    kr.baseline = BIG
    kr.full_clean()


def test_each_database_stores_the_exact_number_not_a_float(quarter: Cycle) -> None:
    # SQLite: the canonical text; PostgreSQL: its exact numeric, printed as text by the database.
    kr = _promises(quarter)
    KeyResult.objects.filter(pk=kr.pk).update(baseline=BIG, target=Decimal("-0"))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT typeof(baseline), baseline, target FROM okrs_keyresult WHERE id = %s",
                [kr.pk],
            )
            assert cursor.fetchone() == ("text", "123456789012.345678", "0.000000")
        else:
            cursor.execute(
                "SELECT pg_typeof(baseline)::text, baseline::text, target::text"
                " FROM okrs_keyresult WHERE id = %s",
                [kr.pk],
            )
            assert cursor.fetchone() == ("numeric", "123456789012.345678", "0.000000")


def test_forms_for_these_fields_still_check_digits_and_decimal_places() -> None:
    field = KeyResult._meta.get_field("target").formfield()
    assert isinstance(field, forms.DecimalField)
    assert field.clean("123456789012.345678") == BIG
    with pytest.raises(ValidationError):
        field.clean("1.1234567")
    with pytest.raises(ValidationError):
        field.clean("not a number")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_value_the_old_columns_held() -> None:
    before, after = ("okrs", "0004_archive"), ("okrs", "0005_exact_numbers")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps
        cycle = old.get_model("okrs", "Cycle").objects.create(
            name="Q", starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30)
        )
        objective = old.get_model("okrs", "Objective").objects.create(
            cycle=cycle, key="o", title="O"
        )
        old_kr = old.get_model("okrs", "KeyResult")
        numbers = {
            "a": (Decimal("2.5"), Decimal("0.1"), Decimal("-20"), Decimal("1")),
            "b": (BIG, Decimal("99999.99"), None, Decimal("0.125")),
            # Half way at the 16th digit: SQLite's own float-to-text would round it up.
            "c": (Decimal("100000000000000.5"), None, Decimal("12.345"), Decimal("3")),
        }
        for key, (baseline, target, pct, weight) in numbers.items():
            kr = old_kr.objects.create(
                objective=objective,
                key=key,
                title=key,
                kind="increase_to",
                baseline=baseline,
                target=target,
                target_change_pct=pct,
                weight=weight,
            )
            old.get_model("okrs", "CheckIn").objects.create(
                key_result=kr,
                value=target,
                data_date=date(2026, 7, 6),
                confidence="on_track",
                source="manual",
                created_at=cycle.created_at,
            )
        fields = ("key", "baseline", "target", "target_change_pct", "weight")
        seen_before = sorted(old_kr.objects.values_list(*fields))
        checkins_before = sorted(
            old.get_model("okrs", "CheckIn").objects.values_list("key_result__key", "value")
        )

        executor.loader.build_graph()
        executor.migrate([after])
        new = executor.loader.project_state([after]).apps
        assert sorted(new.get_model("okrs", "KeyResult").objects.values_list(*fields)) == (
            seen_before
        )
        assert (
            sorted(new.get_model("okrs", "CheckIn").objects.values_list("key_result__key", "value"))
            == checkins_before
        )
        # What the app read before is what it reads now, digit for digit.
        assert ("a", Decimal("2.500000"), Decimal("0.100000"), Decimal("-20.000"), 1) in (
            seen_before
        )
        if connection.vendor == "postgresql":
            assert seen_before[1][:2] == ("b", BIG)
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
