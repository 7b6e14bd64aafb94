"""The form an admin adds or changes a contact rule with: the rule's own fields, then the
parameters of its kind as fields people fill in (hours, days, channels), never JSON. The
evaluator (`recoup.compliance.rules`) still has the last word on the parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from recoup.accounts.models import Team
from recoup.compliance.models import ContactChannel, RestrictionKind, Rule, RuleKind, Severity
from recoup.ledger.models import Customer

EVERYONE = "everyone"
ONE_CUSTOMER = "customer"
WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
CONTACT_CHANNELS = [(c.value, c.label) for c in ContactChannel if c != ContactChannel.LEGAL]


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a rule kind as a form field: `name` is the key in `Rule.params`."""

    name: str
    label: str
    field: str  # "time", "days", "count", "channel", "channels", "weekdays", "bool", "restriction"
    help: str = ""


PARAMS: dict[str, tuple[Param, ...]] = {
    RuleKind.TIME_WINDOW: (
        Param("start", "From", "time", "The debtor's local time, included."),
        Param("end", "Until", "time", "The debtor's local time, included."),
        Param("weekdays", "On these days", "weekdays"),
        Param("channels", "For these channels", "channels"),
    ),
    RuleKind.CALL_FREQUENCY: (
        Param("max", "At most this many attempts", "count", "Per debt."),
        Param("days", "In this many consecutive days", "days"),
        Param("channel", "Channel", "channel"),
    ),
    RuleKind.CONVERSATION_BLOCK: (
        Param("days", "No contact for this many days", "days", "The conversation day is day 1."),
        Param("channel", "Channel", "channel"),
        Param("include_inbound", "Conversations the debtor started count too", "bool"),
    ),
    RuleKind.RESTRICTION: (
        Param("restriction", "A restriction of this kind in effect", "restriction"),
        Param("channels", "Stops these channels", "channels"),
    ),
    RuleKind.CHANNEL_BLOCK: (Param("channels", "These channels are not used", "channels"),),
    RuleKind.TIME_BARRED: (
        Param("channels", "Warn for these channels", "channels"),
        Param("block_channels", "Block these channels", "channels"),
    ),
}


def _param_field(param: Param) -> forms.Field:
    common: dict[str, Any] = {"label": param.label, "help_text": param.help}
    channels = [(c.value, c.label) for c in ContactChannel]
    match param.field:
        case "time":
            return forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), **common)
        case "days":
            return forms.IntegerField(min_value=1, max_value=366, **common)
        case "count":
            return forms.IntegerField(min_value=1, max_value=1000, **common)
        case "channel":
            return forms.ChoiceField(choices=CONTACT_CHANNELS, **common)
        case "channels":
            return forms.MultipleChoiceField(
                choices=channels, widget=forms.CheckboxSelectMultiple, **common
            )
        case "weekdays":
            return forms.TypedMultipleChoiceField(
                choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, **common
            )
        case "bool":
            return forms.BooleanField(required=False, **common)
        case "restriction":
            return forms.ChoiceField(choices=RestrictionKind.choices, **common)
    raise ValueError(f"no form field for {param.field!r}")


def params_initial(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """Stored parameters as the form's initial values ("08:00" stays a time's text)."""
    return {f"p_{p.name}": params[p.name] for p in PARAMS[kind] if p.name in params}


class RuleForm(forms.Form):
    """A rule of one kind. New rules choose their id and whom they are for; a rule's id and
    scope never change (another id or scope is another rule)."""

    name = forms.CharField(
        max_length=200, label="Name", help_text="What the rule is, in a few words."
    )
    code = forms.SlugField(
        max_length=64,
        label="Id",
        help_text="Letters, digits, - and _. A team's or customer's rule with the id of an "
        "organisation rule replaces it for them.",
    )
    for_whom = forms.ChoiceField(label="For")
    customer = forms.CharField(
        max_length=64,
        required=False,
        label="Customer's id",
        help_text="When the rule is for one customer.",
    )
    severity = forms.ChoiceField(choices=Severity.choices, label="Effect", initial=Severity.BLOCK)
    active = forms.BooleanField(required=False, initial=True, label="In force")
    source = forms.CharField(
        max_length=200,
        required=False,
        label="Regulation or policy",
        help_text="e.g. 12 CFR 1006.14(b)(2)(i)",
    )

    def __init__(self, *args: Any, kind: str, rule: Rule | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.rule = rule
        teams = [(f"team:{t.pk}", f"Team {t.name}") for t in Team.objects.order_by("name")]
        choices = [(EVERYONE, "Everyone"), *teams, (ONE_CUSTOMER, "One customer")]
        self.fields["for_whom"].choices = choices  # type: ignore[attr-defined]
        for param in PARAMS[kind]:
            self.fields[f"p_{param.name}"] = _param_field(param)
        if rule is not None:
            # The id and whom it is for make the rule: they are shown, not changed.
            for name in ("code", "for_whom", "customer"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    @property
    def param_fields(self) -> list[forms.BoundField]:
        return [self[f"p_{p.name}"] for p in PARAMS[self.kind]]

    @property
    def rule_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in ("name", "code", "for_whom", "customer", "severity", "source", "active")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.rule is not None:
            return data
        whom = data.get("for_whom", "")
        data["team"], data["customer_row"] = None, None
        if whom.startswith("team:"):
            data["team"] = Team.objects.filter(pk=int(whom.removeprefix("team:"))).first()
        elif whom == ONE_CUSTOMER:
            external_id = (data.get("customer") or "").strip()
            if not external_id:
                self.add_error("customer", "Give the customer's id: the rule is for one customer.")
            else:
                data["customer_row"] = Customer.objects.filter(external_id=external_id).first()
                if data["customer_row"] is None:
                    self.add_error("customer", f"No customer has the id {external_id!r}.")
        return data

    def params(self) -> dict[str, Any]:
        """The parameters as the evaluator reads them (times as "HH:MM")."""
        out: dict[str, Any] = {}
        for param in PARAMS[self.kind]:
            value = self.cleaned_data[f"p_{param.name}"]
            out[param.name] = value.strftime("%H:%M") if param.field == "time" else value
        return out


def _value_words(param: Param, value: Any) -> str:
    channel_names = dict(ContactChannel.choices)
    match param.field:
        case "channels":
            return ", ".join(channel_names.get(c, c) for c in value) or "none"
        case "channel":
            return str(channel_names.get(value, value))
        case "weekdays":
            days = dict(WEEKDAYS)
            if sorted(value) == list(range(7)):
                return "every day"
            if value and sorted(value) == list(range(value[0], value[-1] + 1)):
                return f"{days[value[0]]} to {days[value[-1]]}"
            return ", ".join(days[d] for d in value)
        case "bool":
            return "yes" if value else "no"
        case "restriction":
            return str(dict(RestrictionKind.choices).get(value, value))
    return str(value)


def params_words(kind: str, params: dict[str, Any]) -> list[str]:
    """A rule's parameters for people: "From: 08:00", "On these days: Monday to Friday"."""
    return [
        f"{p.label}: {_value_words(p, params[p.name])}"
        for p in PARAMS.get(kind, ())
        if p.name in params
    ]
