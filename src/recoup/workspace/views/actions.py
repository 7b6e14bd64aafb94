"""The workspace's actions. Thin: each parses its form, calls one service, and answers with the
form again (errors at their fields, 4xx) or, once done, with a fresh form and the parts of the
page the action changed (htmx swaps them out of band; without htmx, a redirect back to the page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from recoup.accounts.models import User
from recoup.core.errors import AccessDeniedError, NotFoundError
from recoup.core.htmx import is_htmx
from recoup.ledger.models import ContactPoint, Dispute
from recoup.workspace import forms as f
from recoup.workspace.models import AccountFlag, CallBack
from recoup.workspace.rules import (
    Restriction,
    RestrictionError,
    restriction_end,
    restriction_record,
)
from recoup.workspace.selectors import Account
from recoup.workspace.services.arrangements import plan_create, plan_schedule, promise_record
from recoup.workspace.services.common import WorkspaceError
from recoup.workspace.services.contacts import (
    ContactBlockedError,
    contact_log,
    contact_point_add,
    contact_point_mark,
)
from recoup.workspace.services.disputes import dispute_open, dispute_resolve
from recoup.workspace.services.notes import call_back_add, call_back_done, flag_clear, note_add
from recoup.workspace.views.pages import (
    ACTION_TITLES,
    ACTION_URLS,
    BUILDERS,
    VIA,
    WHEN,
    account_in_book,
    acting_user,
    override_required,
    page_context,
    work_required,
)

# --- actions ----------------------------------------------------------------------------------

Performed = Callable[[forms.Form, Account, User], str]


def _run(perform: Callable[[], str], form: forms.Form) -> tuple[str, int, Any]:
    """Runs a service; returns (message, status, verdict of a blocked contact)."""
    try:
        return perform(), 200, None
    except ContactBlockedError as blocked:
        return "", 409, blocked.verdict
    except WorkspaceError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return "", 422, None
    except RestrictionError as error:
        form.add_error(None, _sentence(str(error)))
        return "", 422, None
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from error
    except NotFoundError as error:
        raise Http404(str(error)) from error


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _after(request: HttpRequest, account: Account, *, key: str, message: str) -> HttpResponse:
    """An action is done: a fresh page, or with htmx its form and the changed parts."""
    if not is_htmx(request):
        messages.success(request, message)
        return HttpResponseRedirect(reverse("workspace:account", args=[account.customer.pk]))
    fresh = account_in_book(request, account.customer.pk)
    context = page_context(request, fresh, done=message)
    if key:
        url = reverse(ACTION_URLS[key], args=[fresh.customer.pk])
        context.update(key=key, title=ACTION_TITLES[key], form=context["forms"][key], url=url)
    return render(request, "workspace/partials/refreshed.html", context)


def _refused(
    request: HttpRequest, account: Account, *, key: str, form: forms.Form, status: int, verdict: Any
) -> HttpResponse:
    context = page_context(request, account, bound={key: form}, blocked=verdict)
    if is_htmx(request):
        url = reverse(ACTION_URLS[key], args=[account.customer.pk])
        context.update(key=key, title=ACTION_TITLES[key], form=form, url=url)
        return render(request, "workspace/partials/action.html", context, status=status)
    return render(request, "workspace/account.html", context, status=status)


def _action(request: HttpRequest, customer_id: int, key: str, perform: Performed) -> HttpResponse:
    account = account_in_book(request, customer_id)
    form = BUILDERS[key](account, request, request.POST)
    status, verdict = 422, None
    if form.is_valid():
        message, status, verdict = _run(lambda: perform(form, account, acting_user(request)), form)
        if status == 200:
            return _after(request, account, key=key, message=message)
    return _refused(request, account, key=key, form=form, status=status, verdict=verdict)


@require_POST
@work_required
def contact_log_action(request: HttpRequest, customer_id: int) -> HttpResponse:
    def perform(form: forms.Form, account: Account, actor: User) -> str:
        assert isinstance(form, f.ContactLogForm)
        data = form.cleaned_data
        logged = contact_log(
            actor=actor,
            customer=account.customer,
            channel=data["channel"],
            direction=data["direction"],
            outcome=data["outcome"],
            note=data["note"],
            occurred_at=data["occurred_at"],
            invoice=form.chosen_invoice(),
            override_reason=data["override_reason"],
            via=VIA,
        )
        what = logged.activity.get_channel_display()
        return (
            f"{what} logged, overriding the contact rules."
            if logged.overridden
            else f"{what} logged."
        )

    return _action(request, customer_id, "contact", perform)


@require_POST
@work_required
def promise_action(request: HttpRequest, customer_id: int) -> HttpResponse:
    def perform(form: forms.Form, account: Account, actor: User) -> str:
        assert isinstance(form, f.PromiseForm)
        money = form.cleaned_data.get("money")
        if money is None:
            raise WorkspaceError("Enter the promised amount.", field="amount")
        promise = promise_record(
            actor=actor,
            customer=account.customer,
            amount=money,
            due_date=form.cleaned_data["due_date"],
            invoice=form.chosen_invoice(),
            activity=form.chosen_contact(),
            via=VIA,
        )
        return f"Promise of {money} by {promise.due_date.isoformat()} recorded."

    return _action(request, customer_id, "promise", perform)


@require_POST
@work_required
def plan_action(request: HttpRequest, customer_id: int) -> HttpResponse:
    def perform(form: forms.Form, account: Account, actor: User) -> str:
        assert isinstance(form, f.PlanForm)
        data = form.cleaned_data
        if data.get("money") is None:
            raise WorkspaceError("Enter the plan's total.", field="total")
        schedule = plan_schedule(
            total=data["money"],
            count=data["instalments"],
            first_due=data["first_due"],
            every=data["every"],
        )
        plan_create(actor=actor, customer=account.customer, instalments=schedule, via=VIA)
        return f"Payment plan of {data['money']} in {len(schedule)} instalments set up."

    return _action(request, customer_id, "plan", perform)


@require_POST
@work_required
def dispute_action(request: HttpRequest, customer_id: int) -> HttpResponse:
    def perform(form: forms.Form, account: Account, actor: User) -> str:
        assert isinstance(form, f.DisputeOpenForm)
        data = form.cleaned_data
        invoice = form.chosen_invoice()
        assert invoice is not None  # a required choice
        owner_id = data.get("owner") or ""
        owner = User.objects.filter(pk=int(owner_id)).first() if owner_id else None
        dispute_open(
            actor=actor,
            customer=account.customer,
            invoice=invoice,
            reason=data["reason"],
            amount=data.get("money"),
            deadline=data.get("deadline"),
            owner=owner,
            via=VIA,
        )
        return f"Dispute on {invoice.external_id} opened."

    return _action(request, customer_id, "dispute", perform)


@require_POST
@work_required
def note_action(request: HttpRequest, customer_id: int) -> HttpResponse:
    def perform(form: forms.Form, account: Account, actor: User) -> str:
        note_add(actor=actor, customer=account.customer, text=form.cleaned_data["text"], via=VIA)
        return "Note added."

    return _action(request, customer_id, "note", perform)


@require_POST
@work_required
def call_back_action(request: HttpRequest, customer_id: int) -> HttpResponse:
    def perform(form: forms.Form, account: Account, actor: User) -> str:
        due = form.cleaned_data["due_at"]
        call_back_add(
            actor=actor,
            customer=account.customer,
            due_at=due,
            note=form.cleaned_data["note"],
            via=VIA,
        )
        return f"Call-back set for {due.strftime(WHEN)} in the debtor's time."

    return _action(request, customer_id, "callback", perform)


@require_POST
@work_required
def contact_point_action(request: HttpRequest, customer_id: int) -> HttpResponse:
    def perform(form: forms.Form, account: Account, actor: User) -> str:
        data = form.cleaned_data
        point = contact_point_add(
            actor=actor,
            customer=account.customer,
            kind=data["kind"],
            value=data["value"],
            source=data["source"],
            source_note=data["source_note"],
            label=data["label"],
            is_primary=data["is_primary"],
            via=VIA,
        )
        return f"Contact point {point.value} added."

    return _action(request, customer_id, "point", perform)


@require_POST
@work_required
def restriction_action(request: HttpRequest, customer_id: int) -> HttpResponse:
    def perform(form: forms.Form, account: Account, actor: User) -> str:
        data = form.cleaned_data
        restriction = restriction_record(
            actor=actor,
            customer=account.customer,
            kind=data["kind"],
            channel=data["channel"],
            effective_on=data["effective_on"],
            note=data["note"],
            via=VIA,
        )
        return f"Restriction recorded: {restriction.get_kind_display().lower()}."

    return _action(request, customer_id, "restriction", perform)


# --- actions on one item of the account -------------------------------------------------------


def _item_action(
    request: HttpRequest,
    account: Account,
    *,
    key: str,
    form: forms.Form,
    perform: Callable[[], str],
) -> HttpResponse:
    status = 422
    if form.is_valid():
        message, status, _ = _run(perform, form)
        if status == 200:
            return _after(request, account, key="", message=message)
    context = page_context(request, account, item_errors={key: form})
    if is_htmx(request):
        return render(request, "workspace/partials/summary.html", context, status=status)
    return render(request, "workspace/account.html", context, status=status)


def _item(items: Any, pk: int) -> Any:
    found = items.filter(pk=pk).first()
    if found is None:
        raise Http404("not found on this account")
    return found


@require_POST
@work_required
def dispute_resolve_action(request: HttpRequest, customer_id: int, dispute_id: int) -> HttpResponse:
    account = account_in_book(request, customer_id)
    dispute: Dispute = _item(Dispute.objects.filter(invoice__customer=account.customer), dispute_id)
    form = f.DisputeResolveForm(request.POST, prefix=f"resolve-{dispute.pk}")

    def perform() -> str:
        dispute_resolve(
            actor=acting_user(request),
            dispute=dispute,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            via=VIA,
        )
        return f"Dispute on {dispute.invoice.external_id} closed: {dispute.get_status_display().lower()}."

    return _item_action(request, account, key=f"dispute-{dispute.pk}", form=form, perform=perform)


@require_POST
@work_required
def flag_clear_action(request: HttpRequest, customer_id: int, flag_id: int) -> HttpResponse:
    account = account_in_book(request, customer_id)
    flag: AccountFlag = _item(AccountFlag.objects.filter(customer=account.customer), flag_id)
    form = f.FlagClearForm(request.POST, prefix=f"flag-{flag.pk}")

    def perform() -> str:
        flag_clear(actor=acting_user(request), flag=flag, note=form.cleaned_data["note"], via=VIA)
        return f"Flag cleared: {flag.get_reason_display().lower()}."

    return _item_action(request, account, key=f"flag-{flag.pk}", form=form, perform=perform)


@require_POST
@work_required
def contact_point_mark_action(
    request: HttpRequest, customer_id: int, point_id: int
) -> HttpResponse:
    account = account_in_book(request, customer_id)
    point: ContactPoint = _item(account.customer.contact_points.all(), point_id)
    form = f.ContactPointMarkForm(request.POST, prefix=f"mark-{point.pk}")

    def perform() -> str:
        contact_point_mark(
            actor=acting_user(request), point=point, status=form.cleaned_data["status"], via=VIA
        )
        return f"{point.value} marked {point.get_status_display().lower()}."

    return _item_action(request, account, key=f"point-{point.pk}", form=form, perform=perform)


@require_POST
@work_required
def call_back_done_action(
    request: HttpRequest, customer_id: int, call_back_id: int
) -> HttpResponse:
    account = account_in_book(request, customer_id)
    call_back: CallBack = _item(CallBack.objects.filter(customer=account.customer), call_back_id)
    form = forms.Form(request.POST)

    def perform() -> str:
        call_back_done(actor=acting_user(request), call_back=call_back, via=VIA)
        return "Call-back done."

    return _item_action(request, account, key="", form=form, perform=perform)


@require_POST
@override_required
def restriction_end_action(
    request: HttpRequest, customer_id: int, restriction_id: int
) -> HttpResponse:
    account = account_in_book(request, customer_id)
    restriction: Restriction = _item(
        Restriction.objects.filter(customer=account.customer), restriction_id
    )
    form = f.RestrictionEndForm(request.POST, prefix=f"end-{restriction.pk}")

    def perform() -> str:
        restriction_end(
            actor=acting_user(request),
            restriction=restriction,
            ended_on=form.cleaned_data["ended_on"],
            note=form.cleaned_data["note"],
            via=VIA,
        )
        return f"Restriction ended: {restriction.get_kind_display().lower()}."

    return _item_action(
        request, account, key=f"restriction-{restriction.pk}", form=form, perform=perform
    )
