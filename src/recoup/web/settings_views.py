"""Settings pages about people: the admin's user list and user page (edit, deactivate, reactivate,
password reset), everyone's own account page (API tokens, calendar address, password), the forced
password change, and the calendar feed that a calendar app reads with its secret address.

A secret (a temporary password, a token, a calendar address) is rendered in the answer to the
POST that made it and stored nowhere in clear, so it is shown exactly once; those answers are
marked `no-store`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recoup.accounts.access import (
    admin_required,
    can_manage_own_tokens,
    can_manage_users,
    permission_required,
)
from recoup.accounts.models import ApiToken, Role, TeamMembership, TokenKind, User
from recoup.accounts.names import person_name
from recoup.accounts.services import (
    AccountRuleError,
    IssuedToken,
    api_token_create,
    api_token_revoke,
    api_token_use,
    calendar_address_reset,
    team_member_add,
    user_create,
    user_deactivate,
    user_decimal_mark_set,
    user_password_change,
    user_password_reset,
    user_reactivate,
    user_update,
)
from recoup.core.errors import NotFoundError
from recoup.core.htmx import is_htmx
from recoup.okrs.calendar import CalendarScope, cycle_calendar
from recoup.okrs.models import Cycle
from recoup.okrs.selectors import cycle_get
from recoup.web.forms import (
    ApiTokenCreateForm,
    DecimalMarkForm,
    RecoupPasswordChangeForm,
    UserCreateForm,
    UserEditForm,
)

VIA = "web"
tokens_required = permission_required(can_manage_own_tokens)


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the guards let only signed-in people through
    return user


def _after_post(request: HttpRequest, url: str) -> HttpResponse:
    """Post/redirect/get; htmx follows the redirect with a full page load via HX-Redirect."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _secret_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    response = render(request, template, context)
    add_never_cache_headers(response)
    return response


# --- users (admins) -----------------------------------------------------------------------------


def _users_context(create_form: UserCreateForm | None = None) -> dict[str, Any]:
    # Active people first, then by name as people are shown (full name, username second).
    users = User.objects.order_by(
        "-is_active", "first_name", "last_name", "username"
    ).prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.select_related("team"))
    )
    return {"users": users, "roles": Role, "create_form": create_form or UserCreateForm()}


@admin_required
@require_http_methods(["GET", "POST"])
def settings_users(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = _actor(request)
        user = user_create(
            username=data["username"],
            password=data["password1"],
            role=Role(data["role"]),
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            actor=actor,
            via=VIA,
        )
        if data["team"] is not None:
            team_member_add(team=data["team"], user=user, actor=actor, via=VIA)
        messages.success(request, f"User {user.username} created as {user.get_role_display()}.")
        return _after_post(request, reverse("web:settings_users"))
    if is_htmx(request):
        # htmx swaps only 2xx answers: the form with its errors comes back as 200.
        return render(request, "web/settings_users.html#user-create", _users_context(form))
    status = 422 if request.method == "POST" else 200
    return render(request, "web/settings_users.html", _users_context(form), status=status)


def _person(user_id: int) -> User:
    return get_object_or_404(
        User.objects.prefetch_related(
            Prefetch("memberships", queryset=TeamMembership.objects.select_related("team"))
        ),
        pk=user_id,
    )


def _after_change_to(request: HttpRequest, person: User) -> str:
    """Where to go after a change: back to the person, unless the admin changed themselves out
    of the settings (demoted or deactivated)."""
    if person.pk == _actor(request).pk:
        me = User.objects.get(pk=person.pk)
        if not me.is_active:
            return reverse("web:login")
        if not can_manage_users(me):
            return reverse("web:dashboard")
    return reverse("web:settings_user", args=[person.pk])


@admin_required
@require_http_methods(["GET", "POST"])
def settings_user(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(user_id)
    form = UserEditForm(request.POST or None, user=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = user_update(
                user=person,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=Role(data["role"]),
                teams=list(data["teams"]),
                decimal_mark=data["decimal_mark"] or None,
                actor=_actor(request),
                via=VIA,
            )
        except AccountRuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved {person_name(saved)}.")
            return _after_post(request, _after_change_to(request, person))
    context = {"person": person, "form": form}
    if is_htmx(request):
        return render(request, "web/settings_user.html#user-edit", context)
    status = 422 if request.method == "POST" else 200
    return render(request, "web/settings_user.html", context, status=status)


@admin_required
@require_POST
def settings_user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(user_id)
    try:
        user_deactivate(user=person, actor=_actor(request), via=VIA)
    except AccountRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{person_name(person)} is deactivated: they can no longer "
            "log in, and their tokens are revoked. What they did stays in the history.",
        )
    return _after_post(request, _after_change_to(request, person))


@admin_required
@require_POST
def settings_user_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(user_id)
    user_reactivate(user=person, actor=_actor(request), via=VIA)
    messages.success(request, f"{person_name(person)} can log in again.")
    return _after_post(request, reverse("web:settings_user", args=[person.pk]))


@admin_required
@require_POST
def settings_user_password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(user_id)
    try:
        password = user_password_reset(user=person, actor=_actor(request), via=VIA)
    except AccountRuleError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("web:settings_user", args=[person.pk]))
    return _secret_page(
        request, "web/settings_user_password.html", {"person": person, "password": password}
    )


# --- the signed-in person's own account ---------------------------------------------------------


def _calendar_urls(request: HttpRequest, secret: str) -> list[tuple[str, str]]:
    """(cycle name, subscription address) for every cycle, the latest first."""
    names = Cycle.objects.order_by("-starts_on").values_list("name", flat=True)
    return [
        (
            name,
            request.build_absolute_uri(
                reverse("web:calendar_feed", kwargs={"secret": secret, "cycle": name})
            ),
        )
        for name in names
    ]


def _account_context(
    request: HttpRequest,
    form: ApiTokenCreateForm | None = None,
    new_token: IssuedToken | None = None,
    new_calendar: IssuedToken | None = None,
    number_form: DecimalMarkForm | None = None,
) -> dict[str, Any]:
    me = _actor(request)
    mine = ApiToken.objects.filter(user=me)
    return {
        "form": form or ApiTokenCreateForm(),
        "number_form": number_form or DecimalMarkForm(initial={"decimal_mark": me.decimal_mark}),
        "tokens": mine.filter(kind=TokenKind.API),
        "calendar": mine.filter(kind=TokenKind.CALENDAR, revoked_at__isnull=True).first(),
        "new_token": new_token,
        "new_calendar_urls": _calendar_urls(request, new_calendar.secret) if new_calendar else [],
        "api_docs_url": reverse("api:openapi-view"),
        "now": timezone.now(),
    }


@tokens_required
@require_http_methods(["GET", "POST"])
def settings_tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in person's API tokens and calendar address; POST makes a token."""
    form = ApiTokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        me = _actor(request)
        try:
            issued = api_token_create(
                user=me,
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
                actor=me,
                via=VIA,
            )
        except AccountRuleError as error:
            form.add_error(None, str(error))
        else:
            return _secret_page(
                request,
                "web/settings_tokens.html",
                _account_context(request, new_token=issued),
            )
    status = 422 if request.method == "POST" else 200
    return render(
        request, "web/settings_tokens.html", _account_context(request, form), status=status
    )


@tokens_required
@require_POST
def settings_number_format(request: HttpRequest) -> HttpResponse:
    """The signed-in person's decimal mark, read wherever they type a number."""
    form = DecimalMarkForm(request.POST)
    if form.is_valid():
        me = _actor(request)
        user_decimal_mark_set(
            user=me, decimal_mark=form.cleaned_data["decimal_mark"], actor=me, via=VIA
        )
        messages.success(request, "Number format saved.")
        return _after_post(request, reverse("web:settings_tokens"))
    return render(
        request,
        "web/settings_tokens.html",
        _account_context(request, number_form=form),
        status=422,
    )


@tokens_required
@require_POST
def settings_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # Someone else's token is "not found", not "forbidden": its existence is none of their business.
    token = get_object_or_404(ApiToken, pk=token_id, user=_actor(request), kind=TokenKind.API)
    api_token_revoke(token=token, actor=_actor(request), via=VIA)
    messages.success(request, f"Token {token.name} ({token.prefix}…) is revoked.")
    return _after_post(request, reverse("web:settings_tokens"))


@tokens_required
@require_POST
def settings_calendar_reset(request: HttpRequest) -> HttpResponse:
    me = _actor(request)
    issued = calendar_address_reset(user=me, actor=me, via=VIA)
    return _secret_page(
        request, "web/settings_tokens.html", _account_context(request, new_calendar=issued)
    )


@require_GET
def calendar_feed(request: HttpRequest, secret: str, cycle: str) -> HttpResponse:
    """A cycle's cadence and the person's own due dates as iCalendar, for a calendar app that
    holds the person's secret address (calendar apps send no cookies). A wrong or revoked secret
    and an unknown cycle are 404."""
    owner = api_token_use(secret=secret, kind=TokenKind.CALENDAR)
    if owner is None:
        raise Http404("No such calendar.")
    try:
        found = cycle_get(name=cycle)
    except NotFoundError:
        raise Http404("No such calendar.") from None
    response = HttpResponse(
        cycle_calendar(cycle=found, host=request.get_host(), scope=CalendarScope(owner=owner)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="okrs-{found.pk}.ics"'
    # The address is a secret: keep it out of shared caches and of the Referer of any link.
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """A person changes their own password; the way out of a forced change after a reset."""

    template_name = "web/password_change.html"
    form_class = RecoupPasswordChangeForm
    success_url = reverse_lazy("web:dashboard")

    def form_valid(self, form: RecoupPasswordChangeForm) -> HttpResponse:  # type: ignore[override]
        user = user_password_change(
            user=form.user, password=form.cleaned_data["new_password1"], via=VIA
        )
        # Keeps this session logged in; the person's other sessions end with the old password.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "Your password is changed.")
        return HttpResponseRedirect(self.get_success_url())
