"""Forms of the planning pages (new cycle, "+ objective", "+ key result", "+ initiative"): they
parse and label input; the rules live in `services` and answer in sentences the form shows."""

from __future__ import annotations

from typing import Any

from django import forms

from recoup.accounts.models import Team, User
from recoup.accounts.names import person_name
from recoup.core.forms import InputDateField
from recoup.core.numbers import DecimalMark
from recoup.okrs.forms import DateInput, DecimalText
from recoup.okrs.models import (
    Commitment,
    Cycle,
    InitiativeStatus,
    KeyResultKind,
    Objective,
    Priority,
)


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Active people, shown by name."""

    def __init__(self, **kwargs: Any) -> None:
        people = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        super().__init__(queryset=people, required=False, empty_label="(nobody yet)", **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class CycleNewForm(forms.Form):
    name = forms.CharField(max_length=64, help_text='For example "2027-Q1".')
    starts_on = InputDateField(label="Starts", widget=DateInput())
    ends_on = InputDateField(label="Ends", widget=DateInput())
    copy_from = forms.ModelChoiceField(
        label="Copy objectives from",
        queryset=Cycle.objects.order_by("-starts_on"),
        required=False,
        empty_label="(start empty)",
        to_field_name="name",
        help_text="Objectives, their teams, owners and alignment; key results are set anew.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends_on", "The cycle must end after it starts.")
        return data


class ObjectiveNewForm(forms.Form):
    title = forms.CharField(max_length=300)
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="(whole organisation)"
    )
    owner = PersonChoice()
    parent = forms.ModelChoiceField(
        label="Aligned to",
        queryset=Objective.objects.none(),
        required=False,
        empty_label="(nothing: a top objective)",
    )
    commitment = forms.ChoiceField(
        choices=Commitment.choices,
        help_text="Committed: expected in full. Aspirational: a stretch, 70 % is a good result.",
    )

    def __init__(self, *args: Any, cycle: Cycle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.queryset = Objective.objects.filter(cycle=cycle).order_by("position", "id")


class KeyResultNewForm(forms.Form):
    title = forms.CharField(max_length=300)
    kind = forms.ChoiceField(
        choices=[c for c in KeyResultKind.choices if c[0] != KeyResultKind.ROLL_UP],
        help_text="Increase or decrease to a target, stay above or below it, or a milestone.",
    )
    unit = forms.CharField(max_length=32, required=False, help_text="days, percent, EUR, calls…")
    owner = PersonChoice()
    baseline = DecimalText(required=False, help_text="Where it stands today.")
    target = DecimalText(required=False)
    due_on = InputDateField(
        label="Due", required=False, widget=DateInput(), help_text="Empty: the cycle's end."
    )
    metric = forms.ChoiceField(
        label="Bound to KPI",
        required=False,
        help_text="The KPI engine then reads the value every week; the baseline is read at the"
        " cycle's start when left empty.",
    )

    def __init__(
        self,
        *args: Any,
        metrics: list[tuple[str, str]],
        decimal_mark: DecimalMark = ".",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("baseline", "target"):
            number = self.fields[name]
            assert isinstance(number, DecimalText)
            number.decimal_mark = decimal_mark
            number.widget.attrs.update(inputmode="decimal", autocomplete="off")
        field = self.fields["metric"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "(not bound: manual check-ins)"), *metrics]


class InitiativeNewForm(forms.Form):
    title = forms.CharField(max_length=300)
    owner = PersonChoice()
    due_on = InputDateField(label="Due", required=False, widget=DateInput())
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM)
    status = forms.ChoiceField(choices=InitiativeStatus.choices, initial=InitiativeStatus.TODO)
