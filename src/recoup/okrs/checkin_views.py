"""The check-in form's helpers: the live preview of a typed value, and the author's correction or
withdrawal of their latest check-in. Thin, like `views`: numbers from `selectors`, changes from
`recoup.okrs.checkins`, the same access rule as checking in (`can_check_in`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from recoup.accounts.access import can_check_in
from recoup.core.errors import AccessDeniedError, RecoupError
from recoup.core.numbers import format_typed_number, parse_typed_number
from recoup.okrs import checkins, scoring, selectors
from recoup.okrs.forms import CheckInCorrectForm, CheckInWithdrawForm, mark_of
from recoup.okrs.models import CheckIn, KeyResult
from recoup.okrs.views import _actor, _detail_context, _key_result

MAX_ID = 2**63 - 1
CHECK_IN_RULE = "A key result is checked in by its owner, its objective's owner, or a manager."


def _may_check_in(request: HttpRequest, key_result_id: int) -> KeyResult:
    kr = _key_result(str(key_result_id))
    if not can_check_in(request.user, kr):
        raise PermissionDenied(CHECK_IN_RULE)
    return kr


def _checkin_of(kr: KeyResult, checkin_id: int) -> CheckIn:
    # An id past the database's integer range is no check-in (not an overflow error).
    found = (
        CheckIn.objects.filter(pk=checkin_id, key_result=kr).first()
        if 0 < checkin_id <= MAX_ID
        else None
    )
    if found is None:
        raise Http404("This key result has no such check-in.")
    return found


@require_safe
@login_required
def checkin_preview(request: HttpRequest, key_result_id: int) -> HttpResponse:
    """What the typed value does to progress and status, fetched by htmx as the person types.
    A value that cannot be read is answered with the same sentence the form would give."""
    kr = _may_check_in(request, key_result_id)
    # The check-in form sends `value`, the correction form (prefixed) `correct-value`.
    raw = (request.GET.get("value") or request.GET.get("correct-value") or "")[:64]
    replacing = None
    if request.GET.get("correcting", "").isdigit():
        replacing = _checkin_of(kr, int(request.GET["correcting"]))
        if replacing.withdrawn_at is not None:
            replacing = None
    mark = mark_of(request.user)
    context: dict[str, object] = {
        "kr": kr,
        "preview": None,
        "problem": "",
        "unit": kr.unit,
        "preview_id": "correct-preview" if replacing is not None else "checkin-preview",
    }
    try:
        value = parse_typed_number(raw, decimal_mark=mark)
    except ValueError as error:
        context["problem"] = str(error)
    else:
        if value is not None:
            context["value_text"] = format_typed_number(value, decimal_mark=mark)
            context["preview"] = selectors.checkin_preview(
                key_result=kr, value=value, replacing=replacing
            )
    return render(request, "okrs/_checkin_preview.html", context)


@require_POST
@login_required
def checkin_correct(request: HttpRequest, key_result_id: int) -> HttpResponse:
    kr = _may_check_in(request, key_result_id)
    user = _actor(request)
    checkin_id = request.POST.get("correct-checkin", "")
    old = _checkin_of(kr, int(checkin_id)) if checkin_id.isdigit() else None
    closed = scoring.at_risk_rule_applies(
        previous=selectors.checkin_confidences(key_result=kr, leaving_out=old)
    )
    form = CheckInCorrectForm(
        request.POST, decimal_mark=mark_of(user), at_risk_closed=closed, prefix="correct"
    )
    if old is None:
        form.add_error(None, "Say which check-in to correct: open the form from the page again.")
    if form.is_valid() and old is not None and user is not None:
        try:
            checkins.checkin_correct(
                checkin=old,
                value=form.cleaned_data["value"],
                confidence=form.cleaned_data["confidence"],
                comment=form.cleaned_data["comment"],
                author=user,
                via="web",
            )
        except AccessDeniedError as error:
            raise PermissionDenied(str(error)) from None
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Check-in corrected: the earlier value stays in the history.")
            return redirect("okrs:key_result", key_result_id=kr.pk)
    context = _detail_context(request, kr, correct_form=form)
    return render(request, "okrs/key_result.html", context, status=422)


@require_POST
@login_required
def checkin_withdraw(request: HttpRequest, key_result_id: int) -> HttpResponse:
    kr = _may_check_in(request, key_result_id)
    user = _actor(request)
    form = CheckInWithdrawForm(request.POST)
    if not form.is_valid() or user is None:
        messages.error(request, "Say which check-in to withdraw.")
        return render(request, "okrs/key_result.html", _detail_context(request, kr), status=422)
    old = _checkin_of(kr, form.cleaned_data["checkin"])
    try:
        checkins.checkin_withdraw(checkin=old, author=user, via="web")
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from None
    except RecoupError as error:
        messages.error(request, str(error))
        return render(request, "okrs/key_result.html", _detail_context(request, kr), status=422)
    messages.success(request, "Check-in withdrawn: it stays in the history but no longer counts.")
    return redirect("okrs:key_result", key_result_id=kr.pk)
