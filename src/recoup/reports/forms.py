"""The weekly report's chooser (team and week) and the recipient list form."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings

from recoup.accounts.models import Team, User
from recoup.core.errors import RecoupError
from recoup.reports.models import ReportFormat, ReportSubscription, Weekday
from recoup.reports.services import SubscriptionFields, emails_parse


class SubscriptionForm(forms.Form):
    name = forms.CharField(label="Name of the list", max_length=100)
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="Whole organisation",
    )
    recipients = forms.ModelMultipleChoiceField(
        label="Users",
        queryset=User.objects.filter(is_active=True)
        .exclude(email="")
        .order_by("first_name", "username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="People with an account and an e-mail address.",
    )
    emails = forms.CharField(
        label="Other e-mail addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, for people without an account.",
    )
    weekday = forms.TypedChoiceField(label="Day", choices=Weekday.choices, coerce=int)
    hour = forms.IntegerField(label="Hour", min_value=0, max_value=23, initial=7)
    time_zone = forms.ChoiceField(
        label="In the time zone of",
        help_text="The readers' own: 7 in Europe/Berlin is 7 in the morning there.",
    )
    format = forms.ChoiceField(label="What to send", choices=ReportFormat.choices)
    active = forms.BooleanField(label="Send it", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = sorted(available_timezones())
        self.fields["time_zone"].choices = [(z, z.replace("_", " ")) for z in zones]  # type: ignore[attr-defined]
        self.fields["time_zone"].initial = settings.TIME_ZONE
        self.fields["recipients"].label_from_instance = lambda u: (  # type: ignore[attr-defined]
            f"{u.get_full_name() or u.username} <{u.email}>"
        )

    def clean_emails(self) -> list[str]:
        try:
            return emails_parse(self.cleaned_data.get("emails", ""))
        except RecoupError as error:
            raise forms.ValidationError(str(error)) from error

    def fields_value(self) -> SubscriptionFields:
        data = self.cleaned_data
        return SubscriptionFields(
            name=data["name"],
            team=data["team"],
            recipients=list(data["recipients"]),
            emails=data["emails"],
            weekday=data["weekday"],
            hour=data["hour"],
            time_zone=data["time_zone"],
            format=data["format"],
            active=data["active"],
        )

    @classmethod
    def initial_of(cls, s: ReportSubscription) -> dict[str, Any]:
        return {
            "name": s.name,
            "team": s.team,
            "recipients": list(s.recipients.all()),
            "emails": s.emails,
            "weekday": s.weekday,
            "hour": s.hour,
            "time_zone": s.time_zone,
            "format": s.format,
            "active": s.active,
        }
