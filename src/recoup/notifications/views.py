"""The notifications pages: the person's list (mark read, mark all read), their settings, the
admin's team webhooks, and the unsubscribe page opened from an e-mail without logging in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from recoup.accounts.access import can_manage_users, permission_required
from recoup.accounts.models import Team, User
from recoup.notifications.forms import PreferenceForm, TeamWebhookForm
from recoup.notifications.messages import ALL_EVENTS, unsubscribe_read
from recoup.notifications.models import EventKind
from recoup.notifications.selectors import (
    PAGE_SIZE,
    channels_by_event,
    notifications_of,
    preference_of,
    team_webhooks,
    unread_count,
)
from recoup.notifications.services import (
    NotificationRuleError,
    email_unsubscribe,
    notification_mark_read,
    notifications_mark_all_read,
    preference_set,
    team_webhook_set,
)

VIA = "web"


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(notifications_of(me, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/index.html",
        {"page": page, "unread_only": unread_only, "unread": unread_count(me)},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    me = _me(request)
    # Another person's notification is "not found": its existence is none of their business.
    get_object_or_404(notifications_of(me), pk=notification_id)
    notification_mark_read(user=me, notification_id=notification_id)
    return redirect(reverse("notifications:index") + _keep_show(request))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=_me(request))
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect(reverse("notifications:index") + _keep_show(request))


def _keep_show(request: HttpRequest) -> str:
    return "?show=unread" if request.POST.get("show") == "unread" else ""


def _settings_context(request: HttpRequest, form: PreferenceForm) -> dict[str, Any]:
    return {"form": form, "section": "notifications"}


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                preference_set(
                    user=me,
                    time_zone=data["time_zone"],
                    quiet_from=data["quiet_from"],
                    quiet_until=data["quiet_until"],
                    digest=data["digest"],
                    digest_at=form.digest_time(),
                    chat_webhook_url=data["chat_webhook_url"],
                    chat_format=data["chat_format"],
                    choices=form.channels(),
                    actor=me,
                    via=VIA,
                )
            except NotificationRuleError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Notification settings saved.")
                return redirect("notifications:settings")
        return render(
            request, "notifications/settings.html", _settings_context(request, form), status=422
        )
    form = PreferenceForm(
        initial=PreferenceForm.initial_for(preference_of(me), channels_by_event(me))
    )
    return render(request, "notifications/settings.html", _settings_context(request, form))


@permission_required(can_manage_users)
@require_http_methods(["GET", "POST"])
def team_webhooks_page(request: HttpRequest) -> HttpResponse:
    error_form: TeamWebhookForm | None = None
    if request.method == "POST":
        form = TeamWebhookForm(request.POST)
        if form.is_valid():
            team = get_object_or_404(Team, pk=form.cleaned_data["team"])
            try:
                team_webhook_set(
                    team=team,
                    url=form.cleaned_data["url"],
                    chat_format=form.cleaned_data["chat_format"],
                    actor=_me(request),
                    via=VIA,
                )
            except NotificationRuleError as error:
                form.add_error("url", str(error))
            else:
                messages.success(request, f"Chat webhook of {team.name} saved.")
                return redirect("notifications:team_webhooks")
        error_form = form
    hooks = {h.team_id: h for h in team_webhooks()}
    rows = []
    for team in Team.objects.order_by("name"):
        hook = hooks.get(team.pk)
        if error_form is not None and error_form.data.get("team") == str(team.pk):
            error_form.auto_id = f"t{team.pk}_%s"
            rows.append((team, hook, error_form))
            continue
        initial = {
            "team": team.pk,
            "url": hook.url if hook else "",
            "chat_format": hook.chat_format if hook else "slack",
        }
        rows.append((team, hook, TeamWebhookForm(initial=initial, auto_id=f"t{team.pk}_%s")))
    status = 422 if error_form is not None else 200
    return render(
        request,
        "notifications/team_webhooks.html",
        {"rows": rows, "section": "notifications"},
        status=status,
    )


def _unsubscribe_target(token: str) -> tuple[User, str] | None:
    try:
        user_id, event = unsubscribe_read(token)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return (user, event) if user is not None else None


# Signed link, no session: CSRF protects a session, and mail programs' one-click unsubscribe
# (RFC 8058) posts without one.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link would turn off; only POST turns it off."""
    target = _unsubscribe_target(token)
    if target is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    user, event = target
    label = "all Recoup e-mails" if event == ALL_EVENTS else f"“{EventKind(event).label}” e-mails"
    context: dict[str, Any] = {"label": label, "token": token, "done": False}
    if request.method == "POST":
        email_unsubscribe(user=user, event=event)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
