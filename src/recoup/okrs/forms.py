"""Forms of the OKR pages: they parse and label input; the rules live in `services`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from recoup.core.forms import InputDateField
from recoup.core.numbers import parse_typed_number
from recoup.okrs.models import Confidence, Cycle
from recoup.okrs.services import CYCLE_CADENCE_FIELDS

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# The form edits exactly what `cycle_update` accepts.
CADENCE_FIELDS = CYCLE_CADENCE_FIELDS


class CycleCadenceForm(forms.Form):
    checkin_weekday = forms.TypedChoiceField(
        label="Weekly check-in day",
        choices=WEEKDAYS,
        coerce=int,
        help_text="The automatic check-in runs, and reminders go out, on this day each week.",
    )
    planning_on = InputDateField(label="Planning meeting", required=False, widget=DateInput())
    midcycle_review_on = InputDateField(
        label="Mid-cycle review", required=False, widget=DateInput()
    )
    evaluation_on = InputDateField(label="Evaluation", required=False, widget=DateInput())
    on_track_within = forms.IntegerField(
        label="On track within (points)",
        min_value=0,
        max_value=100,
        help_text="How far progress may trail the expected progress and still count as on track.",
    )
    at_risk_within = forms.IntegerField(
        label="At risk within (points)",
        min_value=0,
        max_value=100,
        help_text="Further behind than this is off track.",
    )

    @classmethod
    def for_cycle(cls, cycle: Cycle, data: Any = None) -> CycleCadenceForm:
        return cls(data, initial={name: getattr(cycle, name) for name in CADENCE_FIELDS})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        on_track, at_risk = data.get("on_track_within"), data.get("at_risk_within")
        if on_track is not None and at_risk is not None and on_track > at_risk:
            self.add_error("at_risk_within", "Must be at least the on-track threshold.")
        return data


class StatusOverrideForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Confidence.choices)
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required: why the computed status does not tell the truth.",
    )


class DecimalText(forms.CharField):
    """A number as people type it ("1,250.5"); blank is None."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        try:
            return parse_typed_number(str(value or ""))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class KeyResultEditForm(forms.Form):
    title = forms.CharField(max_length=300)
    unit = forms.CharField(max_length=32, required=False)
    metric = forms.ChoiceField(
        label="Bound to KPI",
        required=False,
        help_text="The KPI engine then reads the value every week; choosing one suggests a target.",
    )
    baseline = DecimalText(required=False)
    target = DecimalText(required=False)
    due_on = InputDateField(
        label="Due", required=False, widget=DateInput(), help_text="Empty: the cycle's end."
    )

    def __init__(self, *args: Any, metrics: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["metric"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "(not bound: manual check-ins)"), *metrics]
