"""The author corrects or withdraws their latest check-in: history kept, audited, and progress,
status, the board, forecasts and the at-risk rule count only what still stands."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from recoup.accounts.models import AuditEntry, User
from recoup.core.errors import AccessDeniedError, RecoupError
from recoup.okrs import checkins, selectors, services
from recoup.okrs.models import CheckIn, Cycle, KeyResult
from recoup.okrs.scoring import Status

D = Decimal
pytestmark = pytest.mark.django_db
ON = date(2026, 8, 15)


def _kr(ref: str) -> KeyResult:
    return selectors.key_result_get(ref=ref)


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _checkin(ref: str, value: str, confidence: str = "on_track", by: str = "ben") -> CheckIn:
    return services.checkin_create(
        key_result=_kr(ref), value=D(value), confidence=confidence, author=_user(by), via="test"
    )


def _state(ref: str) -> selectors.KeyResultState:
    return selectors.key_result_state(key_result=_kr(ref), today=ON)


@time_machine.travel("2026-08-15 09:00Z", tick=False)
def test_a_correction_replaces_the_value_everywhere_and_keeps_the_old_one(quarter: Cycle) -> None:
    typo = _checkin("cash/promises", "700", "on_track")  # meant 70 %
    assert _state("cash/promises").progress == pytest.approx(32.0)
    fixed = checkins.checkin_correct(
        checkin=typo, value=D("70"), confidence="on_track", comment="typo", author=_user("ben")
    )
    assert fixed.corrects == typo
    assert fixed.data_date == typo.data_date
    typo.refresh_from_db()
    assert typo.withdrawn_at is not None
    assert typo.value == D("700")  # what was reported stays as it was
    state = _state("cash/promises")
    assert state.progress == pytest.approx(0.5)
    assert state.latest_value == D("70")
    assert state.checkins == 1
    board = selectors.cycle_status(cycle=quarter, today=ON)
    promises = next(k for o in board.objectives for k in o.key_results if k.id == state.id)
    assert promises.progress == pytest.approx(0.5)
    history = selectors.key_result_history(key_result=_kr("cash/promises"))
    assert [(h.value, h.corrected_by, h.corrects) for h in history] == [
        (D("700"), fixed.pk, None),
        (D("70"), None, typo.pk),
    ]
    audit = AuditEntry.objects.get(action="okr_checkin_correct")
    assert audit.actor == _user("ben")
    assert audit.before is not None
    assert D(audit.before["value"]) == D("700")
    assert audit.after is not None
    assert audit.after["value"] == "70"
    assert audit.after["corrects"] == typo.pk


@time_machine.travel("2026-08-15 09:00Z", tick=False)
def test_a_withdrawn_check_in_counts_nowhere_but_stays_in_the_history(quarter: Cycle) -> None:
    _checkin("cash/promises", "65")
    wrong = _checkin("cash/promises", "79")
    assert _state("cash/promises").progress == pytest.approx(0.95)
    checkins.checkin_withdraw(checkin=wrong, author=_user("ben"), via="test")
    state = _state("cash/promises")
    assert state.progress == pytest.approx(0.25)
    assert state.latest_value == D("65")
    assert state.checkins == 1
    forecast_points = selectors.key_result_forecast(key_result=_kr("cash/promises"), today=ON)
    assert forecast_points.points == 2  # the baseline and 65, not 79
    history = selectors.key_result_history(key_result=_kr("cash/promises"))
    assert [h.value for h in history] == [D("65"), D("79")]
    assert history[1].withdrawn_at is not None
    assert history[1].corrected_by is None
    entry = AuditEntry.objects.get(action="okr_checkin_withdraw")
    assert entry.before is not None
    assert D(entry.before["value"]) == D("79")


@time_machine.travel("2026-08-15 09:00Z", tick=False)
def test_withdrawing_the_only_check_in_leaves_the_key_result_not_started(quarter: Cycle) -> None:
    only = _checkin("cash/promises", "70")
    checkins.checkin_withdraw(checkin=only, author=_user("ben"))
    state = _state("cash/promises")
    assert state.progress is None
    assert state.computed_status == Status.NOT_STARTED


def test_only_the_latest_check_in_is_corrected_or_withdrawn(quarter: Cycle) -> None:
    first = _checkin("cash/promises", "65")
    _checkin("cash/promises", "66")
    with pytest.raises(RecoupError, match="Only the latest check-in"):
        checkins.checkin_correct(
            checkin=first, value=D("64"), confidence="on_track", comment="", author=_user("ben")
        )
    with pytest.raises(RecoupError, match="Only the latest check-in"):
        checkins.checkin_withdraw(checkin=first, author=_user("ben"))


def test_a_correction_is_made_once(quarter: Cycle) -> None:
    typo = _checkin("cash/promises", "700")
    ben = _user("ben")
    checkins.checkin_correct(
        checkin=typo, value=D("70"), confidence="on_track", comment="", author=ben
    )
    with pytest.raises(RecoupError, match="Only the latest check-in"):
        checkins.checkin_correct(
            checkin=typo, value=D("71"), confidence="on_track", comment="", author=ben
        )
    assert CheckIn.objects.filter(key_result=_kr("cash/promises")).count() == 2


def test_someone_else_does_not_correct_or_withdraw_the_authors_check_in(quarter: Cycle) -> None:
    bens = _checkin("cash/promises", "70")
    ana = _user("ana")  # the manager may check in, but this check-in is Ben's
    with pytest.raises(AccessDeniedError, match="Only the person who made a check-in"):
        checkins.checkin_correct(
            checkin=bens, value=D("71"), confidence="on_track", comment="", author=ana
        )
    with pytest.raises(AccessDeniedError, match="Only the person who made a check-in"):
        checkins.checkin_withdraw(checkin=bens, author=ana)
    assert CheckIn.objects.counted().get() == bens


def test_the_author_who_may_no_longer_check_in_cannot_correct(quarter: Cycle) -> None:
    promises = _kr("cash/promises")
    bens = _checkin("cash/promises", "70")
    promises.owner = _user("ana")  # the key result moved to someone else
    promises.save(update_fields=["owner"])
    with pytest.raises(AccessDeniedError, match="checked in by its owner"):
        checkins.checkin_withdraw(checkin=bens, author=_user("ben"))


def test_an_automatic_reading_is_not_corrected_by_hand(quarter: Cycle) -> None:
    from django.utils import timezone

    kr = _kr("cash/promises")
    reading = CheckIn.objects.create(
        key_result=kr,
        value=D("70"),
        data_date=date(2026, 8, 10),
        confidence="on_track",
        source="automatic",
        created_at=timezone.now(),
    )
    with pytest.raises(RecoupError, match="KPI engine's weekly reading"):
        checkins.checkin_withdraw(checkin=reading, author=_user("ben"))


def test_a_correction_obeys_the_at_risk_rule_without_the_check_in_it_replaces(
    quarter: Cycle,
) -> None:
    ben = _user("ben")
    _checkin("cash/promises", "61", "at_risk")
    _checkin("cash/promises", "62", "at_risk")
    third = _checkin("cash/promises", "62", "off_track")
    # Replacing the third by a third "at risk" is what the rule forbids.
    with pytest.raises(RecoupError, match="must say whether the key result is on track"):
        checkins.checkin_correct(
            checkin=third, value=D("62"), confidence="at_risk", comment="", author=ben
        )
    second_try = checkins.checkin_correct(
        checkin=third, value=D("63"), confidence="on_track", comment="better", author=ben
    )
    # Withdrawing leaves two "at risk" in a row: the next must call it again.
    checkins.checkin_withdraw(checkin=second_try, author=ben)
    with pytest.raises(RecoupError, match="must say whether the key result is on track"):
        _checkin("cash/promises", "63", "at_risk")


def test_a_withdrawn_at_risk_breaks_no_run(quarter: Cycle) -> None:
    _checkin("cash/promises", "61", "at_risk")
    second = _checkin("cash/promises", "62", "at_risk")
    checkins.checkin_withdraw(checkin=second, author=_user("ben"))
    # Only one "at risk" counts now, so another is allowed.
    _checkin("cash/promises", "62", "at_risk")


def test_a_correction_checks_its_value_like_a_check_in(quarter: Cycle) -> None:
    ana = _user("ana")
    reached = services.checkin_create(
        key_result=_kr("fair/audit"), value=D(1), confidence="on_track", author=ana
    )
    with pytest.raises(RecoupError, match="milestone check-in is 1"):
        checkins.checkin_correct(
            checkin=reached, value=D("0.5"), confidence="on_track", comment="", author=ana
        )
    with pytest.raises(RecoupError, match="confidence must be one of"):
        checkins.checkin_correct(
            checkin=reached, value=D(0), confidence="maybe", comment="", author=ana
        )
    reached.refresh_from_db()
    assert reached.withdrawn_at is None


@time_machine.travel("2026-08-15 09:00Z", tick=False)
def test_the_preview_is_the_boards_own_computation_with_the_typed_value(quarter: Cycle) -> None:
    kr = _kr("cash/ninety")
    preview = selectors.checkin_preview(key_result=kr, value=D("450000"), on=ON)
    services.checkin_create(key_result=kr, value=D("450000"), confidence="on_track")
    state = _state("cash/ninety")
    assert preview.progress == state.progress == pytest.approx(0.5)
    assert preview.status == state.computed_status
    assert preview.expected == state.expected
    assert preview.before_progress is None
    assert preview.before_status == Status.NOT_STARTED


@time_machine.travel("2026-08-15 09:00Z", tick=False)
def test_the_preview_of_a_correction_leaves_out_the_check_in_it_replaces(quarter: Cycle) -> None:
    kr = _kr("cash/disputes")  # stay below 5 %: progress is the share of check-ins inside
    _checkin("cash/disputes", "4")
    typo = _checkin("cash/disputes", "40")
    assert _state("cash/disputes").progress == pytest.approx(0.5)
    preview = selectors.checkin_preview(key_result=kr, value=D("4.5"), on=ON, replacing=typo)
    assert preview.progress == pytest.approx(1.0)
    assert preview.before_progress == pytest.approx(0.5)


def test_the_command_line_history_marks_corrected_and_withdrawn_check_ins(quarter: Cycle) -> None:
    from io import StringIO

    from django.core.management import call_command

    ben = _user("ben")
    typo = _checkin("cash/promises", "700")
    fixed = checkins.checkin_correct(
        checkin=typo, value=D("70"), confidence="on_track", comment="typo", author=ben
    )
    checkins.checkin_withdraw(checkin=fixed, author=ben)
    out = StringIO()
    call_command("okr", "history", "cash/promises", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("(corrected)")
    assert " 700.000000 " in lines[0]
    assert lines[1].endswith("typo (withdrawn)")
