"""The notification settings form: general choices and, per event, the channels."""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import available_timezones

from django import forms

from recoup.notifications.events import EVENT_HELP
from recoup.notifications.models import Channel, ChatFormat, EventKind, Preference

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def event_field_name(event: EventKind) -> str:
    return f"channels_{event.value}"


class PreferenceForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Your time zone",
        help_text="Quiet hours and the digest hour are read in it.",
    )
    quiet_from = forms.TimeField(
        label="Quiet from", required=False, widget=TIME_INPUT, help_text="For example 20:00."
    )
    quiet_until = forms.TimeField(
        label="Quiet until",
        required=False,
        widget=TIME_INPUT,
        help_text="E-mail and chat that arrive in between are sent when quiet hours end.",
    )
    digest = forms.BooleanField(
        label="One daily digest instead of single e-mails and chat messages", required=False
    )
    digest_at = forms.TimeField(label="Digest at", widget=TIME_INPUT)
    chat_webhook_url = forms.URLField(
        label="Chat webhook address",
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text="An incoming webhook of Slack, Teams or a compatible chat. Empty: your team's "
        "channel, if an admin set one.",
    )
    chat_format = forms.ChoiceField(label="Chat kind", choices=ChatFormat.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = sorted(available_timezones())
        self.fields["time_zone"].choices = [(z, z.replace("_", " ")) for z in zones]  # type: ignore[attr-defined]
        for event in EventKind:
            self.fields[event_field_name(event)] = forms.MultipleChoiceField(
                label=event.label,
                choices=Channel.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=EVENT_HELP[event],
            )

    @classmethod
    def initial_for(
        cls, preference: Preference, channels: dict[EventKind, frozenset[Channel]]
    ) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "time_zone": preference.time_zone,
            "quiet_from": preference.quiet_from,
            "quiet_until": preference.quiet_until,
            "digest": preference.digest,
            "digest_at": preference.digest_at,
            "chat_webhook_url": preference.chat_webhook_url,
            "chat_format": preference.chat_format,
        }
        for event, chosen in channels.items():
            initial[event_field_name(event)] = [c.value for c in chosen]
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_from") is None) != (data.get("quiet_until") is None):
            self.add_error("quiet_until", "Give both the start and the end of quiet hours.")
        return data

    def channels(self) -> dict[EventKind, list[Channel]]:
        return {
            event: [Channel(c) for c in self.cleaned_data.get(event_field_name(event), [])]
            for event in EventKind
        }

    def event_rows(self) -> list[tuple[EventKind, forms.BoundField]]:
        return [(event, self[event_field_name(event)]) for event in EventKind]

    def digest_time(self) -> time:
        value = self.cleaned_data["digest_at"]
        assert isinstance(value, time)
        return value


class TeamWebhookForm(forms.Form):
    team = forms.IntegerField(widget=forms.HiddenInput)
    url = forms.URLField(
        label="Webhook address", required=False, assume_scheme="https", max_length=500
    )
    chat_format = forms.ChoiceField(label="Chat kind", choices=ChatFormat.choices)
