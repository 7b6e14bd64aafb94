"""The Placements pages' forms: a rule, a batch to prepare, accounts ticked by hand, a recall."""

from __future__ import annotations

from typing import Any

from django import forms

from recoup.accounts.models import Team
from recoup.core.errors import MoneyError
from recoup.core.forms import InputDateField
from recoup.core.money import Money, is_currency
from recoup.core.numbers import DecimalMark, parse_typed_number
from recoup.ledger.models import Agency


def _agencies() -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"), label="Agency or lawyer"
    )


class RuleForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name")
    position = forms.IntegerField(min_value=1, max_value=9999, initial=1, label="Order")
    active = forms.BooleanField(required=False, initial=True, label="Active")
    agency = _agencies()
    min_days_past_due = forms.IntegerField(
        min_value=0, max_value=36500, required=False, label="Days past due, at least"
    )
    min_open = forms.CharField(max_length=30, required=False, label="Open amount, at least")
    min_open_currency = forms.CharField(max_length=3, required=False, label="Currency")
    no_contact_days = forms.IntegerField(
        min_value=0, max_value=36500, required=False, label="Days without contact"
    )
    broken_plan = forms.BooleanField(required=False, label="Only with a broken payment plan")
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="Every team",
        label="Team",
    )

    def __init__(self, *args: Any, decimal_mark: DecimalMark = ".", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decimal_mark = decimal_mark

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = str(data.get("min_open") or "").strip()
        currency = str(data.get("min_open_currency") or "").strip().upper()
        data["min_open_money"] = None
        if not raw:
            return data
        if not is_currency(currency):
            self.add_error("min_open_currency", "Give the amount's currency, e.g. USD.")
            return data
        try:
            number = parse_typed_number(raw, decimal_mark=self.decimal_mark)
            money = Money.from_major(number, currency) if number is not None else None
        except (ValueError, MoneyError) as error:
            self.add_error("min_open", str(error))
            return data
        if money is not None and money.minor < 0:
            self.add_error("min_open", "The amount cannot be negative.")
            return data
        data["min_open_money"] = money
        return data


class PrepareForm(forms.Form):
    as_of = InputDateField(label="Place as of", widget=forms.DateInput(attrs={"type": "date"}))


class AccountsField(forms.MultipleChoiceField):
    """Ticked accounts by id; whether the person places for them is the service's to say."""

    def valid_value(self, value: Any) -> bool:
        text = str(value)
        return text.isdigit() and len(text) <= 18

    def clean(self, value: Any) -> list[int]:
        return [int(v) for v in super().clean(value)]


class HandForm(forms.Form):
    as_of = InputDateField(label="Place as of", widget=forms.DateInput(attrs={"type": "date"}))
    agency = _agencies()
    customer = AccountsField(
        label="Accounts", error_messages={"required": "Tick at least one account."}
    )


class RecallForm(forms.Form):
    on = InputDateField(label="Recall on", widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=64, required=False, label="One placement (reference)")
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"),
        required=False,
        empty_label="Every agency",
        label="Agency or lawyer",
    )
    placed_before = InputDateField(
        required=False, label="Placed before", widget=forms.DateInput(attrs={"type": "date"})
    )
    idle_days = forms.IntegerField(
        min_value=0,
        max_value=36500,
        required=False,
        label="Placed at least days ago, nothing recovered",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (
            data.get("reference") or data.get("placed_before") or data.get("idle_days") is not None
        ):
            raise forms.ValidationError(
                "Say what to recall: one placement, those placed before a day, "
                "or those with nothing recovered for some days."
            )
        return data
