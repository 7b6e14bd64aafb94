"""The worklist's forms: a segment of the book and its treatment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from recoup.core.errors import MoneyError
from recoup.core.money import Money
from recoup.worklist.models import SegmentRule, Treatment

# Each limit's form field and the rule's field it fills (balances are typed in the base currency).
DAYS = ("min_days_past_due", "max_days_past_due")
BALANCES = (("min_balance", "min_balance_minor"), ("max_balance", "max_balance_minor"))
LIKELIHOODS = ("min_likelihood", "max_likelihood")


def _days(label: str) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0, max_value=100_000, label=label)


def _percent(label: str) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0, max_value=100, label=label)


def _balance(label: str) -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=32,
        label=label,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class SegmentRuleForm(forms.Form):
    position = forms.IntegerField(min_value=1, max_value=32_767, label="Order")
    name = forms.CharField(max_length=80)
    treatment = forms.ChoiceField(choices=Treatment.choices)
    min_days_past_due = _days("At least days past due")
    max_days_past_due = _days("At most days past due")
    min_balance = _balance("Owes at least")
    max_balance = _balance("Owes at most")
    min_likelihood = _percent("Likely to pay at least (%)")
    max_likelihood = _percent("Likely to pay at most (%)")

    @classmethod
    def of(cls, rule: SegmentRule) -> SegmentRuleForm:
        """The form of an existing rule, filled with what it holds."""
        base = settings.BASE_CURRENCY
        initial: dict[str, Any] = {
            "position": rule.position,
            "name": rule.name,
            "treatment": rule.treatment,
        }
        for name in (*DAYS, *LIKELIHOODS):
            initial[name] = getattr(rule, name)
        for name, field in BALANCES:
            minor = getattr(rule, field)
            initial[name] = "" if minor is None else Money(minor, base).major_str()
        return cls(initial=initial)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        base = settings.BASE_CURRENCY
        for name, _ in BALANCES:
            text = (data.get(name) or "").strip()
            if not text:
                data[name] = None
                continue
            try:
                data[name] = Money.from_major(text, base).minor
            except MoneyError as error:
                self.add_error(name, str(error).replace("this currency", base))
        return data

    def limits(self) -> dict[str, int | None]:
        """The rule's limits from the cleaned form: None where a field was left empty."""
        data = self.cleaned_data
        out: dict[str, int | None] = {name: data.get(name) for name in (*DAYS, *LIKELIHOODS)}
        for name, field in BALANCES:
            out[field] = data.get(name)
        return out
