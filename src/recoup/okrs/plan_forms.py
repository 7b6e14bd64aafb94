"""Forms of the planning pages (new cycle, "+ objective", "+ key result", "+ initiative"): they
parse and label input; the rules live in `services` and answer in sentences the form shows."""

from __future__ import annotations

from typing import Any

from django import forms

from recoup.accounts.models import Team
from recoup.core.forms import InputDateField
from recoup.core.numbers import DecimalMark
from recoup.okrs.forms import WEEKDAYS, DateInput, DecimalText, PersonChoice
from recoup.okrs.models import (
    Commitment,
    Cycle,
    InitiativeStatus,
    KeyResult,
    KeyResultKind,
    Objective,
    Priority,
)


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

    # The cadence, as on the Cadence page (later changes there are for admins). Left empty:
    # the copied cycle's, else Monday, 10 and 25 points.
    checkin_weekday = forms.TypedChoiceField(
        label="Weekly check-in day",
        choices=[("", "Monday, or the copied cycle's day"), *WEEKDAYS],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="The automatic check-in runs, and reminders go out, on this day each week.",
    )
    on_track_within = forms.IntegerField(
        label="On track within (points)",
        min_value=0,
        max_value=100,
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": "10"}),
        help_text="How far progress may trail the expected progress and still count as on track.",
    )
    at_risk_within = forms.IntegerField(
        label="At risk within (points)",
        min_value=0,
        max_value=100,
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": "25"}),
        help_text="Further behind than this is off track. Empty: as the copied cycle, else 25.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends_on", "The cycle must end after it starts.")
        on_track, at_risk = data.get("on_track_within"), data.get("at_risk_within")
        if on_track is not None and at_risk is not None and on_track > at_risk:
            self.add_error("at_risk_within", "Must be at least the on-track threshold.")
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
        parent.queryset = Objective.objects.filter(cycle=cycle, archived_at__isnull=True).order_by(
            "position", "id"
        )


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
    target_change = DecimalText(
        label="Or a change (%)",
        required=False,
        help_text="Instead of a target: -20 for a fifth less than the baseline, once it is read.",
    )
    weight = DecimalText(
        required=False, help_text="How much it counts in the objective; empty: 1, as the others."
    )
    due_on = InputDateField(
        label="Due", required=False, widget=DateInput(), help_text="Empty: the cycle's end."
    )
    metric = forms.ChoiceField(
        label="Bound to KPI",
        required=False,
        help_text="The KPI engine then reads the value every week; the baseline is read at the"
        " cycle's start when left empty.",
    )
    rolls_up_into = forms.ModelChoiceField(
        label="Counts towards",
        queryset=KeyResult.objects.none(),
        required=False,
        empty_label="(nothing: it stands on its own)",
        help_text="A roll-up key result of this cycle whose progress is the average of its parts.",
    )
    team_filter = forms.ModelChoiceField(
        label="Count only team",
        queryset=Team.objects.order_by("name"),
        to_field_name="name",
        required=False,
        empty_label="(the whole organisation)",
        help_text="For a KPI-bound key result: read the KPI for this team's accounts.",
    )

    def __init__(
        self,
        *args: Any,
        metrics: list[tuple[str, str]],
        decimal_mark: DecimalMark = ".",
        cycle: Cycle | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        parents = self.fields["rolls_up_into"]
        assert isinstance(parents, forms.ModelChoiceField)
        if cycle is not None:
            parents.queryset = KeyResult.objects.filter(
                objective__cycle=cycle, kind=KeyResultKind.ROLL_UP, archived_at__isnull=True
            ).order_by("objective__position", "position", "id")
        for name in ("baseline", "target", "target_change", "weight"):
            number = self.fields[name]
            assert isinstance(number, DecimalText)
            number.decimal_mark = decimal_mark
            number.widget.attrs.update(inputmode="decimal", autocomplete="off")
        field = self.fields["metric"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "(not bound: manual check-ins)"), *metrics]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("target") is not None and data.get("target_change") is not None:
            self.add_error("target_change", "Give a target or a change, not both.")
        if data.get("team_filter") is not None and not data.get("metric"):
            self.add_error("team_filter", "Only a KPI-bound key result is counted for a team.")
        weight = data.get("weight")
        if weight is not None and weight <= 0:
            self.add_error("weight", "The weight must be above 0.")
        return data


class InitiativeNewForm(forms.Form):
    title = forms.CharField(max_length=300)
    owner = PersonChoice()
    due_on = InputDateField(label="Due", required=False, widget=DateInput())
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM)
    status = forms.ChoiceField(choices=InitiativeStatus.choices, initial=InitiativeStatus.TO_DO)


class ObjectiveEditForm(ObjectiveNewForm):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    field_order = ["title", "description", "team", "owner", "parent", "commitment"]

    def __init__(self, *args: Any, objective: Objective, **kwargs: Any) -> None:
        super().__init__(*args, cycle=objective.cycle, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        # Not itself; the service refuses deeper loops with a sentence.
        parent.queryset = Objective.objects.filter(
            cycle=objective.cycle, archived_at__isnull=True
        ).exclude(pk=objective.pk)


class InitiativeEditForm(InitiativeNewForm):
    pass


class InitiativeProgressForm(forms.Form):
    """What an initiative's owner may change: how far along it is."""

    status = forms.ChoiceField(
        choices=[c for c in InitiativeStatus.choices if c[0] != InitiativeStatus.CANCELLED]
    )
