"""Forms of the web shell: the throttled log-in, the admin's user and team forms, and the KPI
variants (the organisation's default metric parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from recoup.accounts.models import DecimalMark, Role, Team, User
from recoup.core.schedule import scheduled_jobs
from recoup.metrics.catalogue import CATALOGUE, Param
from recoup.metrics.selectors import ALL_METRICS, shared_params
from recoup.web.services import login_attempt_claim, login_attempt_fail, login_attempt_succeed


def client_ip(request: HttpRequest | None) -> str:
    # REMOTE_ADDR only: a client-supplied X-Forwarded-For would let anyone pick the throttle key.
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))


LOCKED_MESSAGE = (
    "Too many failed log-ins for this username from your address. Try again after %(until)s UTC."
)


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's log-in form, checking a password only after claiming one of the username and
    address's attempt slots, so a locked username is never checked, however many guesses arrive
    at once.

    A success forgets the failures of that username and address that came before it.
    """

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if not username or not self.cleaned_data.get("password"):
            # Nothing will be checked: the missing field's own error says what to do.
            return super().clean()
        claim = login_attempt_claim(username=username, ip=client_ip(self.request))
        if claim.attempt is None:
            raise _locked(claim.locked_until or timezone.now())
        try:
            cleaned = super().clean()
        except ValidationError:
            locked_until = login_attempt_fail(attempt=claim.attempt)
            if locked_until is not None:
                raise _locked(locked_until) from None
            raise
        login_attempt_succeed(attempt=claim.attempt)
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


class UserEditForm(forms.Form):
    """An admin changes a person's name, e-mail, role and teams (`accounts.services.user_update`)."""

    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(
        choices=Role.choices, help_text=UserCreateForm.base_fields["role"].help_text
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A collector or viewer sees the debtors of their teams.",
    )
    decimal_mark = forms.ChoiceField(
        label="Decimal mark",
        choices=DecimalMark.choices,
        widget=forms.RadioSelect,
        # Not sent: left as it is (the person may have chosen it on their own account page).
        required=False,
        help_text="How this person types numbers, e.g. in check-ins.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "role": user.role,
                "teams": list(user.teams.values_list("pk", flat=True)),
                "decimal_mark": user.decimal_mark,
            },
        )
        super().__init__(*args, **kwargs)


class DecimalMarkForm(forms.Form):
    """A person's own number format (`accounts.services.user_decimal_mark_set`)."""

    decimal_mark = forms.ChoiceField(
        label="Decimal mark",
        choices=DecimalMark.choices,
        widget=forms.RadioSelect,
        help_text="How you type numbers, e.g. in check-ins: with a comma, 58,5 is fifty-eight "
        "and a half and a point separates thousands (1.250,5).",
    )


# How long a new API token lives; "never" is allowed, as some integrations cannot be re-keyed
# often, and the settings page shows each token's last use to spot the forgotten ones.
TOKEN_LIFETIMES = (("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("", "Never"))


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text='What will use it, e.g. "Power BI refresh".')
    expires_in = forms.ChoiceField(
        label="Expires after", choices=TOKEN_LIFETIMES, initial="90", required=False
    )

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data.get("expires_in") or ""
        return timezone.now() + timedelta(days=int(days)) if days else None


class RecoupPasswordChangeForm(PasswordChangeForm):
    """Django's password change, refusing to keep the same password (a temporary one from an
    admin must really be replaced)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new = cleaned.get("new_password1")
        if new and self.user.check_password(new):
            self.add_error("new_password1", "Choose a password different from the current one.")
        return cleaned


# The dashboard's metrics come first on the KPI variants page: their variants are the ones people
# see every day.
VARIANT_METRICS_FIRST = (
    "ar_by_bucket",
    "ar_total",
    "ar_current",
    "ar_overdue",
    "pct_current",
    "pct_90_plus",
    "dso",
    "cei",
    "promise_kept_rate",
)


@dataclass(frozen=True, slots=True)
class VariantSection:
    scope: str  # a metric id, or ALL_METRICS
    title: str
    note: str
    params: tuple[Param, ...]


def variant_sections() -> list[VariantSection]:
    """The organisation-wide parameters, then each metric that takes any, the dashboard's first."""
    shared = shared_params()
    sections = [
        VariantSection(
            ALL_METRICS,
            "All metrics",
            "One choice for every metric that takes the parameter; a metric's own choice below "
            "overrides it.",
            tuple(p for p, _ in shared),
        )
    ]
    with_params = [m for m in CATALOGUE.values() if m.params]
    first = sorted(
        (m for m in with_params if m.id in VARIANT_METRICS_FIRST),
        key=lambda m: VARIANT_METRICS_FIRST.index(m.id),
    )
    rest = [m for m in with_params if m.id not in VARIANT_METRICS_FIRST]
    sections += [VariantSection(m.id, m.title, m.id, m.params) for m in first + rest]
    return sections


def variant_field_name(scope: str, param: str) -> str:
    return f"{'all' if scope == ALL_METRICS else scope}__{param}"


class KpiVariantsForm(forms.Form):
    """One field per organisation-wide parameter and per parameter of every metric. A field holds
    the choice stored for it; empty means "inherit" and the placeholder shows what is inherited.

    The form only collects text: `metric_defaults_set` validates it as a request's parameter is
    validated, and its errors are put back on the fields."""

    def __init__(self, *args: Any, current: dict[str, dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Errors of a metric's combination of parameters (metric id -> reason).
        self.metric_errors: dict[str, str] = {}
        self.layout = variant_sections()
        # Each metric's own choices fold away unless one is set or refused.
        self.own_choices = any(scope != ALL_METRICS for scope in current)
        shared_use = {p.name: metrics for p, metrics in shared_params()}
        for section in self.layout:
            for param in section.params:
                if section.scope == ALL_METRICS:
                    inherited, source = param.default, "catalogue default"
                    applies = f" Taken by {len(shared_use[param.name])} metrics."
                else:
                    found = current.get(ALL_METRICS, {}).get(param.name)
                    inherited = found or param.default
                    source = "as for all metrics" if found else "catalogue default"
                    applies = ""
                short_source = "all metrics" if source == "as for all metrics" else "default"
                help_text = (
                    f"{param.help[0].upper()}{param.help[1:]}. "
                    f"Empty: {source}, {inherited}.{applies}"
                )
                label = param.name.replace("_", " ").capitalize()
                field: forms.Field
                if param.kind == "choice":
                    field = forms.ChoiceField(
                        label=label,
                        required=False,
                        choices=[("", f"{short_source} ({inherited})")]
                        + [(c, c) for c in param.choices],
                        help_text=help_text,
                    )
                else:
                    field = forms.CharField(
                        label=label, max_length=200, required=False, help_text=help_text
                    )
                    field.widget.attrs["placeholder"] = inherited
                field.initial = current.get(section.scope, {}).get(param.name, "")
                self.fields[variant_field_name(section.scope, param.name)] = field

    @property
    def own_choices_open(self) -> bool:
        """Each metric's own choices are shown when one is set or one of them is refused."""
        refused = any(not name.startswith("all__") for name in self.errors) or any(
            scope != ALL_METRICS for scope in self.metric_errors
        )
        return self.own_choices or refused

    def sections(self) -> list[tuple[VariantSection, list[forms.BoundField], str]]:
        return [
            (
                section,
                [self[variant_field_name(section.scope, p.name)] for p in section.params],
                self.metric_errors.get(section.scope, ""),
            )
            for section in self.layout
        ]

    def values(self) -> dict[str, dict[str, str]]:
        """scope -> parameter -> text, as submitted (empty: inherit)."""
        return {
            section.scope: {
                p.name: str(self.cleaned_data.get(variant_field_name(section.scope, p.name)) or "")
                for p in section.params
            }
            for section in self.layout
        }

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Puts `metric_defaults_set`'s errors ("scope.param" or "metric") where they belong."""
        for key, reason in errors.items():
            scope, _, param = key.rpartition(".") if "." in key else (key, "", "")
            name = variant_field_name(scope, param)
            if param and name in self.fields:
                self.add_error(name, reason)
            else:
                self.metric_errors[scope] = reason

    def disable(self) -> None:
        for field in self.fields.values():
            field.disabled = True


class JobRunNowForm(forms.Form):
    """The Jobs page's "Run now": which scheduled job."""

    job = forms.ChoiceField(choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["job"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(job.key, job.title) for job in scheduled_jobs()]
        field.error_messages["invalid_choice"] = "There is no such scheduled job."
        field.error_messages["required"] = "Say which scheduled job to run."
