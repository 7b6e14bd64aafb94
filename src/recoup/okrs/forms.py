"""Forms of the OKR pages: they parse and label input; the rules live in `services`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.core.forms import InputDateField
from recoup.core.numbers import DecimalMark, parse_typed_number
from recoup.okrs.models import Confidence, Cycle, KeyResultKind
from recoup.okrs.scoring import AT_RISK_NOW
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
    """A number as people type it ("1,250.5", or "1.250,5" with a decimal comma); blank is None.

    The form sets `decimal_mark` to the person's own (`User.decimal_mark`)."""

    decimal_mark: DecimalMark = "."

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        try:
            return parse_typed_number(str(value or ""), decimal_mark=self.decimal_mark)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


def mark_of(user: Any) -> DecimalMark:
    """The decimal mark of the person filling a form in ("." for anyone without one)."""
    mark = getattr(user, "decimal_mark", ".")
    return "," if mark == "," else "."


class ConfidenceRadios(forms.RadioSelect):
    """Confidence choices, with the ones the at-risk rule closes shown but disabled."""

    closed: frozenset[str] = frozenset()
    rule_id = "at-risk-rule"

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"] in self.closed:
            option["attrs"]["disabled"] = True
            option["attrs"]["aria-describedby"] = self.rule_id
        return option


class CheckInForm(forms.Form):
    value = DecimalText(
        required=False,
        help_text="Leave empty on a KPI-bound key result to keep the engine's latest reading.",
    )
    confidence = forms.ChoiceField(choices=Confidence.choices, widget=ConfidenceRadios)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(
        self,
        *args: Any,
        decimal_mark: DecimalMark = ".",
        at_risk_closed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.decimal_mark = decimal_mark
        self.at_risk_closed = at_risk_closed
        value = self.fields["value"]
        assert isinstance(value, DecimalText)
        value.decimal_mark = decimal_mark
        value.widget.attrs.update(inputmode="decimal", autocomplete="off")
        radios = self.fields["confidence"].widget
        assert isinstance(radios, ConfidenceRadios)
        radios.closed = frozenset({Confidence.AT_RISK}) if at_risk_closed else frozenset()
        radios.rule_id = f"{self.prefix}-at-risk-rule" if self.prefix else "at-risk-rule"

    def clean_confidence(self) -> str:
        confidence = str(self.cleaned_data["confidence"])
        if self.at_risk_closed and confidence == Confidence.AT_RISK:
            raise forms.ValidationError(AT_RISK_NOW)
        return confidence


class CheckInCorrectForm(CheckInForm):
    """A correction of the author's latest check-in, named so that a check-in made meanwhile is
    not corrected by mistake."""

    checkin = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CheckInWithdrawForm(forms.Form):
    checkin = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Active people, shown by name."""

    def __init__(self, *, empty_label: str = "(nobody yet)", **kwargs: Any) -> None:
        people = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        super().__init__(queryset=people, required=False, empty_label=empty_label, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class KeyResultEditForm(forms.Form):
    title = forms.CharField(max_length=300)
    kind = forms.ChoiceField(
        required=False,  # left out: unchanged
        choices=[c for c in KeyResultKind.choices if c[0] != KeyResultKind.ROLL_UP],
        help_text="Increase or decrease to a target, stay above or below it, or a milestone.",
    )
    owner = PersonChoice()
    unit = forms.CharField(max_length=32, required=False)
    weight = DecimalText(
        required=False,
        help_text="How much it counts in its objective's progress; 1 unless some count more.",
    )
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

    def __init__(
        self,
        *args: Any,
        metrics: list[tuple[str, str]],
        decimal_mark: DecimalMark = ".",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("baseline", "target", "weight"):
            number = self.fields[name]
            assert isinstance(number, DecimalText)
            number.decimal_mark = decimal_mark
        field = self.fields["metric"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "(not bound: manual check-ins)"), *metrics]
