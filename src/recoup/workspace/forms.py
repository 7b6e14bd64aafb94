"""The workspace's action forms. Amounts are typed as people type them ("1,250.50") and read
exactly into minor units of the currency they are in (`recoup.core.money`); every problem is an
error at its field."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from recoup.core.errors import MoneyError
from recoup.core.forms import InputDateField
from recoup.core.money import Money
from recoup.ledger.models import (
    Activity,
    Channel,
    ContactKind,
    ContactSource,
    ContactStatus,
    Direction,
    DisputeStatus,
    Invoice,
    Outcome,
)
from recoup.workspace.rules import ContactChannel, RestrictionKind
from recoup.workspace.services.arrangements import EVERY, MAX_INSTALMENTS
from recoup.workspace.services.disputes import RESOLUTIONS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _invoice_choices(invoices: Sequence[Any], blank: str | None) -> list[tuple[str, str]]:
    choices = [("", blank)] if blank is not None else []
    return choices + [
        (str(i.id), f"{i.external_id} · {i.open} open, due {i.due_date.isoformat()}")
        for i in invoices
    ]


class AmountField(forms.CharField):
    """An amount as typed; `clean_amount_in` reads it once the currency is known."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)


def amount_in(form: forms.Form, name: str, currency: str) -> Money | None:
    """The amount typed in `name` as Money in `currency`, or None (with the error at the field)."""
    text = form.cleaned_data.get(name) or ""
    if not text.strip():
        return None
    try:
        amount = Money.from_major(text, currency)
    except MoneyError as error:
        form.add_error(name, f"{error}".replace("this currency", currency))
        return None
    if amount.minor <= 0:
        form.add_error(name, "Enter an amount more than zero.")
        return None
    return amount


class _CustomerForm(forms.Form):
    """A form about one customer: its invoices and currencies narrow the choices offered."""

    def __init__(
        self,
        *args: Any,
        invoices: Sequence[Any] = (),
        currencies: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.invoices = {str(i.id): i for i in invoices}
        self.currencies = list(currencies) or ["USD"]

    def chosen_invoice(self) -> Invoice | None:
        chosen = self.cleaned_data.get("invoice") or ""
        return Invoice.objects.get(pk=int(chosen)) if chosen else None

    def _currency_field(self) -> None:
        field = self.fields["currency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c, c) for c in self.currencies]
        if len(self.currencies) == 1:
            field.initial = self.currencies[0]
            field.widget = forms.HiddenInput()


class ContactLogForm(_CustomerForm):
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.CALL)
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.OUTBOUND)
    outcome = forms.ChoiceField(choices=Outcome.choices)
    invoice = forms.ChoiceField(required=False, label="About invoice")
    occurred_at = forms.DateTimeField(
        required=False,
        label="When",
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    override_reason = forms.CharField(
        required=False,
        max_length=1000,
        label="Reason for overriding the rules",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = _invoice_choices(  # type: ignore[attr-defined]
            list(self.invoices.values()), "The account as a whole"
        )
        zone = timezone.get_current_timezone_name()
        self.fields["occurred_at"].help_text = f"Leave empty for now; your time ({zone})"


class PromiseForm(_CustomerForm):
    amount = AmountField(help_text="As you would write it, e.g. 1,250.50")
    currency = forms.ChoiceField()
    due_date = InputDateField(label="Promised by", widget=forms.DateInput(attrs={"type": "date"}))
    invoice = forms.ChoiceField(required=False, label="For invoice")
    activity = forms.ChoiceField(required=False, label="Made in the contact")

    def __init__(self, *args: Any, contacts: Sequence[Activity] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._currency_field()
        self.fields["invoice"].choices = _invoice_choices(  # type: ignore[attr-defined]
            list(self.invoices.values()), "No particular invoice"
        )
        self.contacts = {str(a.pk): a for a in contacts}
        local = timezone.get_current_timezone()
        self.fields["activity"].choices = [("", "No contact logged")] + [  # type: ignore[attr-defined]
            (
                str(a.pk),
                f"{timezone.localtime(a.occurred_at, local):%Y-%m-%d %H:%M} · "
                f"{a.get_channel_display()}: {a.get_outcome_display()}",
            )
            for a in contacts
        ]
        if contacts and not self.is_bound:
            self.fields["activity"].initial = str(contacts[0].pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        invoice = self.invoices.get(data.get("invoice") or "")
        currency = invoice.amount.currency if invoice is not None else data.get("currency", "")
        if currency:
            data["money"] = amount_in(self, "amount", currency)
        return data

    def chosen_contact(self) -> Activity | None:
        return self.contacts.get(self.cleaned_data.get("activity") or "")


class PlanForm(_CustomerForm):
    total = AmountField(help_text="The whole amount the plan pays, e.g. 3,000.00")
    currency = forms.ChoiceField()
    instalments = forms.IntegerField(min_value=1, max_value=MAX_INSTALMENTS, initial=3)
    first_due = InputDateField(
        label="First instalment due", widget=forms.DateInput(attrs={"type": "date"})
    )
    every = forms.ChoiceField(choices=list(EVERY.items()), initial="month")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._currency_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("currency"):
            data["money"] = amount_in(self, "total", data["currency"])
        return data


class DisputeOpenForm(_CustomerForm):
    invoice = forms.ChoiceField(label="Disputed invoice")
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    amount = AmountField(
        required=False,
        label="Disputed amount",
        help_text="Leave empty if the whole invoice is disputed",
    )
    deadline = InputDateField(
        required=False, label="Answer by", widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = forms.ChoiceField(required=False, label="Owner")

    def __init__(self, *args: Any, owners: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = _invoice_choices(list(self.invoices.values()), None)  # type: ignore[attr-defined]
        self.fields["owner"].choices = [("", "Me")] + [(str(pk), name) for pk, name in owners]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        invoice = self.invoices.get(data.get("invoice") or "")
        if invoice is not None:
            data["money"] = amount_in(self, "amount", invoice.amount.currency)
        return data


class DisputeResolveForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(k.value if hasattr(k, "value") else k, v) for k, v in RESOLUTIONS.items()],
        initial=DisputeStatus.RESOLVED,
        label="Outcome",
    )
    note = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class CallBackForm(forms.Form):
    due_at = forms.DateTimeField(
        label="Call back at",
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, time_zone: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zoneinfo.ZoneInfo(time_zone)
        self.fields["due_at"].help_text = f"In the debtor's time ({time_zone})"

    def clean_due_at(self) -> datetime:
        value: datetime = self.cleaned_data["due_at"]
        # The form field read the wall-clock time in the server's zone; the person meant the
        # debtor's (a call-back is agreed in the debtor's time).
        wall = timezone.localtime(value).replace(tzinfo=None)
        return wall.replace(tzinfo=self.zone)


# Where a person found a contact point: every source but the ledger's import.
FOUND_SOURCES: list[tuple[str, str]] = [
    ("", "Choose…"),
    *((value, label) for value, label in ContactSource.choices if value != ContactSource.IMPORTED),
]


class ContactPointForm(forms.Form):
    kind = forms.ChoiceField(choices=ContactKind.choices)
    value = forms.CharField(max_length=300, label="Number or address")
    source = forms.ChoiceField(choices=FOUND_SOURCES, label="Where it was found")
    source_note = forms.CharField(
        required=False,
        max_length=300,
        label="Source note",
        help_text="e.g. which directory, bureau report or web page",
    )
    label = forms.CharField(
        required=False, max_length=64, help_text="e.g. mobile, accounts payable"
    )
    is_primary = forms.BooleanField(required=False, label="Primary")


class ContactPointFoundForm(forms.Form):
    """A phone or e-mail found for an account no working one reaches (the worklist's tracing);
    an address alone would leave the account to trace, so the account page takes those."""

    kind = forms.ChoiceField(
        choices=[(ContactKind.PHONE.value, "Phone"), (ContactKind.EMAIL.value, "E-mail")]
    )
    value = forms.CharField(max_length=300, label="Number or address")
    source = forms.ChoiceField(choices=FOUND_SOURCES, label="Source")
    source_note = forms.CharField(
        required=False,
        max_length=300,
        label="Note",
        help_text="e.g. which directory, bureau report or web page",
    )


class ContactPointMarkForm(forms.Form):
    status = forms.ChoiceField(choices=ContactStatus.choices)


class RestrictionForm(forms.Form):
    kind = forms.ChoiceField(choices=RestrictionKind.choices)
    channel = forms.ChoiceField(
        required=False,
        choices=[("", "Every channel"), *ContactChannel.choices],
        help_text="For an opt-out, the channel the debtor opted out of",
    )
    effective_on = InputDateField(
        label="In effect from", widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(required=False, max_length=300)


class RestrictionEndForm(forms.Form):
    ended_on = InputDateField(
        label="Last day in effect", widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(required=False, max_length=300, label="Why it ends")


class FlagClearForm(forms.Form):
    note = forms.CharField(max_length=300, label="What was done")
