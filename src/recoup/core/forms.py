"""Form fields every app's forms share."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from recoup.core.dates import check_input_date
from recoup.core.errors import InputDateError


class InputDateField(forms.DateField):
    """A date a person types on a page, held to the dates Recoup accepts (`recoup.core.dates`),
    so that 0001-01-01 is a form error rather than a value that overflows later."""

    def to_python(self, value: Any) -> date | None:
        parsed: date | None = super().to_python(value)
        if parsed is None:
            return None
        try:
            return check_input_date(parsed, what=str(self.label or "date"))
        except InputDateError as error:
            raise forms.ValidationError(
                error.reason[:1].upper() + error.reason[1:], code="out_of_range"
            ) from None
