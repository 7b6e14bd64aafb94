"""The agency scorecard's form: one commission band of one agency (empty rate removes it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from recoup.core.numbers import DecimalMark, parse_typed_number
from recoup.ledger.commissions import BASIS_POINTS, MAX_FROM_DAYS
from recoup.ledger.models import Agency

# Longer than any rate a person types: refused before it is parsed.
MAX_TYPED = 20


class CommissionRateForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.order_by("name"), label="Agency")
    from_days = forms.IntegerField(
        min_value=0, max_value=MAX_FROM_DAYS, label="From day of placement"
    )
    rate = forms.CharField(
        required=False,
        max_length=MAX_TYPED,
        label="Commission (%)",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, decimal_mark: DecimalMark = ".", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decimal_mark = decimal_mark

    def clean_rate(self) -> int | None:
        """The rate in basis points; None (blank) removes the band."""
        raw = self.cleaned_data.get("rate") or ""
        try:
            percent = parse_typed_number(raw, decimal_mark=self.decimal_mark)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if percent is None:
            return None
        points = percent * 100
        if points != points.to_integral_value():
            raise forms.ValidationError(f"{raw}: at most two decimals, such as 12.5 or 12.25")
        if not Decimal(0) <= points <= BASIS_POINTS:
            raise forms.ValidationError(f"{raw}: expected a percentage from 0 to 100")
        return int(points)
