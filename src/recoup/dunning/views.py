"""The Dunning pages: policies and the latest runs; a run's preview (ready, blocked and failed
messages with why, each message's rendered text on click) with its approve button; a sent
letter's PDF; and the template editor with a live preview for a chosen customer. Managers and
admins prepare, approve and edit; collectors read the messages to debtors of their book."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from recoup.accounts.access import can_run_dunning, can_work_account, permission_required
from recoup.accounts.models import User
from recoup.accounts.scope import scope_for
from recoup.core.errors import AccessDeniedError, NotFoundError
from recoup.core.htmx import is_htmx
from recoup.dunning.forms import PrepareForm, TemplateForm
from recoup.dunning.models import MessageStatus, MessageTemplate, Policy
from recoup.dunning.preview import template_preview
from recoup.dunning.selectors import (
    message_for,
    policies_as_data,
    run_for,
    run_messages,
    runs_visible,
)
from recoup.dunning.sending import run_approve
from recoup.dunning.services import DunningError, run_counts, run_prepare, template_save

work_required = permission_required(can_work_account)
STATUS_ORDER = (
    MessageStatus.READY,
    MessageStatus.SENT,
    MessageStatus.BLOCKED,
    MessageStatus.FAILED,
    MessageStatus.REFUSED,
    MessageStatus.HANDED_OVER,
)


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@require_safe
@work_required
def dunning_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    policies = list(Policy.objects.prefetch_related("levels__templates").order_by("name"))
    return render(
        request,
        "dunning/index.html",
        {
            "policies": policies,
            "policy_data": {p["name"]: p for p in policies_as_data()},
            "runs": runs_visible(scope),
            "may_run": can_run_dunning(request.user),
            "form": PrepareForm(initial={"as_of": timezone.localdate()}),
        },
    )


@require_POST
@work_required
def prepare_action(request: HttpRequest) -> HttpResponse:
    if not can_run_dunning(request.user):
        raise PermissionDenied("Only managers and admins run dunning.")
    form = PrepareForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_errors(form.errors.as_text()), status=422)
    as_of: date = form.cleaned_data["as_of"]
    policy: Policy | None = form.cleaned_data["policy"]
    run = run_prepare(actor=_actor(request), as_of=as_of, policy=policy, via="web")
    messages.success(request, f"Run {run.pk} prepared: check it, then approve it.")
    return redirect("dunning:run", dunning_run_id=run.pk)


def _errors(text: str) -> str:
    return f"The run could not be prepared: {text}"


@require_safe
@work_required
def run_page(request: HttpRequest, dunning_run_id: int) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        run = run_for(scope, dunning_run_id)
    except NotFoundError as error:
        raise Http404(str(error)) from error
    shown = request.GET.get("status", "")
    if shown and shown not in MessageStatus.values:
        shown = ""
    rows = list(run_messages(scope, run, status=shown or None)[:500])
    counts = run_counts(run) if scope.sees_all else _scoped_counts(scope, run)
    groups = [(s, MessageStatus(s).label, counts.get(s, 0)) for s in STATUS_ORDER]
    return render(
        request,
        "dunning/run.html",
        {
            "run": run,
            "rows": rows,
            "groups": groups,
            "shown": shown,
            "left_out": sorted(run.left_out.items()),
            "may_approve": can_run_dunning(request.user) and counts.get(MessageStatus.READY, 0) > 0,
        },
    )


def _scoped_counts(scope: Any, run: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for status in run_messages(scope, run).values_list("status", flat=True):
        out[status] = out.get(status, 0) + 1
    return out


@require_POST
@work_required
def approve_action(request: HttpRequest, dunning_run_id: int) -> HttpResponse:
    if not can_run_dunning(request.user):
        raise PermissionDenied("Only managers and admins approve dunning runs.")
    try:
        run = run_for(scope_for(request.user), dunning_run_id)
        run = run_approve(actor=_actor(request), run=run, via="web")
    except NotFoundError as error:
        raise Http404(str(error)) from error
    except DunningError as error:
        messages.error(request, str(error))
        return redirect("dunning:run", dunning_run_id=dunning_run_id)
    counts = run_counts(run)
    messages.success(
        request,
        f"Run {run.pk} approved: {counts[MessageStatus.SENT]:,} sent, "
        f"{counts[MessageStatus.FAILED] + counts[MessageStatus.REFUSED]:,} not sent.",
    )
    return redirect("dunning:run", dunning_run_id=run.pk)


@require_safe
@work_required
def message_page(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        message = message_for(scope_for(request.user), message_id)
    except NotFoundError as error:
        raise Http404(str(error)) from error
    template = "dunning/partials/message.html" if is_htmx(request) else "dunning/message.html"
    return render(request, template, {"message": message})


@require_safe
@login_required
def letter_download(request: HttpRequest, message_id: int) -> HttpResponseBase:
    if not can_work_account(request.user):
        raise PermissionDenied("Your role does not allow this.")
    try:
        message = message_for(scope_for(request.user), message_id)
    except NotFoundError as error:
        raise Http404(str(error)) from error
    if not message.letter:
        raise Http404("this message has no letter")
    return FileResponse(
        message.letter.open("rb"),
        content_type="application/pdf",
        filename=f"letter-{message.customer.external_id}-{message.run.as_of.isoformat()}.pdf",
    )


@require_http_methods(["GET", "POST"])
@work_required
def template_page(request: HttpRequest, template_id: int) -> HttpResponse:
    if not can_run_dunning(request.user):
        raise PermissionDenied("Only managers and admins edit dunning templates.")
    template = get_object_or_404(
        MessageTemplate.objects.select_related("level__policy"), pk=template_id
    )
    scope = scope_for(request.user)
    if request.method == "POST":
        form = TemplateForm(request.POST, scope=scope)
        if form.is_valid():
            try:
                template_save(
                    actor=_actor(request),
                    template=template,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    via="web",
                )
            except (DunningError, AccessDeniedError) as error:
                form.add_error("body", str(error))
            else:
                messages.success(request, "Template saved.")
                return redirect("dunning:template", template_id=template.pk)
        status = 422
    else:
        form = TemplateForm(
            initial={"subject": template.subject, "body": template.body}, scope=scope
        )
        status = 200
    preview = template_preview(
        scope=scope,
        template=template,
        subject=form["subject"].value() or "",
        body=form["body"].value() or "",
        customer_id=form["customer"].value(),
    )
    return render(
        request,
        "dunning/template.html",
        {"template": template, "form": form, "preview": preview},
        status=status,
    )


@require_POST
@work_required
def template_preview_action(request: HttpRequest, template_id: int) -> HttpResponse:
    if not can_run_dunning(request.user):
        raise PermissionDenied("Only managers and admins edit dunning templates.")
    template = get_object_or_404(MessageTemplate, pk=template_id)
    preview = template_preview(
        scope=scope_for(request.user),
        template=template,
        subject=request.POST.get("subject", ""),
        body=request.POST.get("body", ""),
        customer_id=request.POST.get("customer"),
    )
    return render(
        request, "dunning/partials/preview.html", {"preview": preview, "template": template}
    )
