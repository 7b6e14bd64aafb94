"""Forms of the web shell: the throttled log-in, and the admin's user and team forms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from recoup.accounts.models import Role, Team, User
from recoup.web.selectors import login_locked_until
from recoup.web.services import login_failure_record, login_failures_clear


def client_ip(request: HttpRequest | None) -> str:
    # REMOTE_ADDR only: a client-supplied X-Forwarded-For would let anyone pick the throttle key.
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))


LOCKED_MESSAGE = (
    "Too many failed log-ins for this username from your address. Try again after %(until)s UTC."
)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's log-in form, refusing to even check the password while the username is locked.

    A success forgets the failures of that username and address.
    """

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        locked_until = login_locked_until(username=username, ip=ip)
        if locked_until is not None:
            raise _locked(locked_until)
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                locked_until = login_failure_record(username=username, ip=ip)
                if locked_until is not None:
                    raise _locked(locked_until) from None
            raise
        login_failures_clear(username=username, ip=ip)
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin site's log-in form (staff only), throttled the same way."""


def _locked(until: datetime) -> ValidationError:
    return ValidationError(
        LOCKED_MESSAGE,
        code="locked",
        params={"until": until.astimezone(UTC).strftime("%H:%M")},
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="Letters, digits and @ . + - _ only.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.COLLECTOR,
        help_text="Viewers read only; collectors see their teams' debtors; admins manage settings.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="(no team)"
    )
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(f"A user named {username!r} already exists.")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            candidate = User(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(p1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class TeamCreateForm(forms.Form):
    name = forms.CharField(max_length=100, label="Team name")

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if Team.objects.filter(name__iexact=name).exists():
            raise ValidationError(f"A team named {name!r} already exists.")
        return name


class TeamMemberAddForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.all())
    user = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True).order_by("username"))
    is_lead = forms.BooleanField(required=False, label="Team lead")
