"""What each importable kind of ledger record looks like: its fields, their types, its key.

A `KindSpec` is a declaration, not code: the parser, the checks and the merge are generic and read
these declarations, so adding a kind is adding a declaration here. Field names are what a file's
columns are called by default ("columns named like the fields").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.db import models

from recoup.accounts.models import Team, User
from recoup.core.models import TimeStamped
from recoup.ledger import models as m


class FieldType(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    AMOUNT = "amount"  # major units as text, stored as integer minor units of `currency_field`
    INT = "int"
    BOOL = "bool"
    CHOICE = "choice"
    CURRENCY = "currency"
    TIME_ZONE = "time_zone"
    RATE = "rate"  # decimal text, stored scaled by FxRate.SCALE
    REF = "ref"  # another record's key as the file gives it, resolved to its id in the database


@dataclass(frozen=True, slots=True)
class RefTarget:
    """How a reference written in a file finds its record: `lookup` column of `model`."""

    model: type[models.Model]
    lookup: str
    label: str

    @property
    def table(self) -> str:
        return self.model._meta.db_table


CUSTOMER = RefTarget(m.Customer, "external_id", "customer")
INVOICE = RefTarget(m.Invoice, "external_id", "invoice")
PAYMENT = RefTarget(m.Payment, "external_id", "payment")
AGENCY = RefTarget(m.Agency, "external_id", "agency")
ACTIVITY = RefTarget(m.Activity, "external_id", "activity")
PLAN = RefTarget(m.PaymentPlan, "external_id", "payment plan")
COLLECTOR = RefTarget(User, "username", "collector (user name)")
TEAM = RefTarget(Team, "name", "team")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool = False
    # Database column; None for a field that is only checked (an allocation's currency).
    column: str | None = ""
    max_length: int = 0
    choices: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()  # (label, value) pairs also accepted
    ref: RefTarget | None = None
    positive: bool = False  # amounts and rates: must be greater than zero
    currency_field: str = "currency"  # for AMOUNT: the field whose code gives the decimals
    default: object = None  # inserted when the file does not give the field at all

    @property
    def db_column(self) -> str | None:
        if self.column == "":
            return f"{self.name}_id" if self.type is FieldType.REF else self.name
        return self.column


def _text(name: str, model: type[models.Model], *, required: bool = False) -> FieldSpec:
    f = model._meta.get_field(name)
    assert isinstance(f, models.CharField | models.TextField)
    return FieldSpec(
        name,
        FieldType.TEXT,
        required=required,
        max_length=f.max_length or 0,
        default=None if required else "",
    )


def _choice(
    name: str, choices: type[models.TextChoices], *, required: bool = False, default: str = ""
) -> FieldSpec:
    return FieldSpec(
        name,
        FieldType.CHOICE,
        required=required,
        choices=tuple(choices.values),
        labels=tuple((str(label).lower(), value) for value, label in choices.choices),
        default=default or None,
    )


def _bool(name: str) -> FieldSpec:
    return FieldSpec(name, FieldType.BOOL, default=False)


def _date(name: str, *, required: bool = False) -> FieldSpec:
    return FieldSpec(name, FieldType.DATE, required=required)


def _amount(
    name: str, column: str = "amount_minor", *, required: bool = True, currency: str = "currency"
) -> FieldSpec:
    return FieldSpec(
        name,
        FieldType.AMOUNT,
        required=required,
        column=column,
        positive=True,
        currency_field=currency,
    )


def _currency(*, column: str | None = "currency", name: str = "currency") -> FieldSpec:
    # Required in the table, but a preset's or the base currency fills it when the file has none.
    return FieldSpec(name, FieldType.CURRENCY, required=True, column=column)


def _ref(name: str, target: RefTarget, *, required: bool = True) -> FieldSpec:
    return FieldSpec(name, FieldType.REF, required=required, ref=target)


@dataclass(frozen=True, slots=True)
class DateOrder:
    """`later` must not be before `earlier` (or strictly after it when `strict`)."""

    earlier: str
    later: str
    strict: bool = False


@dataclass(frozen=True, slots=True)
class KindSpec:
    name: str
    model: type[models.Model]
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...]
    description: str
    # Date a foreign-currency amount is converted on: an FX rate must exist on or before it.
    fx_date: str | None = None
    date_orders: tuple[DateOrder, ...] = ()
    # (currency field, reference field): the referenced record must be in the same currency.
    same_currency_as: tuple[tuple[str, str], ...] = ()
    # Fixed values for kinds that are one kind of a wider table (credit-notes, write-offs).
    fixed: tuple[tuple[str, str], ...] = ()
    extra_rules: tuple[str, ...] = field(default=())

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def timestamped(self) -> bool:
        return issubclass(self.model, TimeStamped)

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def has_field(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)


_ADJUSTMENT_FIELDS = (
    _text("external_id", m.Adjustment, required=True),
    _ref("invoice", INVOICE),
    _choice("kind", m.AdjustmentKind, required=True),
    _date("effective_on", required=True),
    _amount("amount"),
    _currency(),
    _text("reason", m.Adjustment),
)


def _adjustments(name: str, kind: str | None, description: str) -> KindSpec:
    return KindSpec(
        name,
        m.Adjustment,
        _ADJUSTMENT_FIELDS,
        key=("external_id",),
        description=description,
        fx_date="effective_on",
        same_currency_as=(("currency", "invoice"),),
        fixed=(("kind", kind),) if kind else (),
        extra_rules=("credit_within_open_amount",),
    )


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(
            "customers",
            m.Customer,
            (
                _text("external_id", m.Customer, required=True),
                _text("name", m.Customer, required=True),
                _text("segment", m.Customer),
                _text("country", m.Customer),
                FieldSpec("time_zone", FieldType.TIME_ZONE, default="UTC"),
                _date("since"),
                _amount(
                    "credit_limit",
                    "credit_limit_minor",
                    required=False,
                    currency="credit_limit_currency",
                ),
                FieldSpec(
                    "credit_limit_currency",
                    FieldType.CURRENCY,
                    column="credit_limit_currency",
                    default="",
                ),
                _bool("cease_communication"),
                _bool("bankruptcy"),
                _bool("do_not_call"),
                _bool("opt_out_email"),
                _bool("opt_out_sms"),
                _bool("opt_out_letter"),
                _date("statute_of_limitations_date"),
            ),
            key=("external_id",),
            description="debtors, keyed by external_id",
        ),
        KindSpec(
            "contact-points",
            m.ContactPoint,
            (
                _ref("customer", CUSTOMER),
                _choice("kind", m.ContactKind, required=True),
                _text("value", m.ContactPoint, required=True),
                _text("label", m.ContactPoint),
                _bool("is_primary"),
                _choice("status", m.ContactStatus, default=m.ContactStatus.UNVERIFIED),
                _date("status_changed_on"),
            ),
            key=("customer", "kind", "value"),
            description="phones, e-mails and addresses, keyed by customer + kind + value",
        ),
        KindSpec(
            "invoices",
            m.Invoice,
            (
                _text("external_id", m.Invoice, required=True),
                _ref("customer", CUSTOMER),
                _date("issue_date", required=True),
                _date("due_date", required=True),
                _amount("amount"),
                _currency(),
                _text("description", m.Invoice),
                _text("delivery", m.Invoice),
            ),
            key=("external_id",),
            description="invoices, keyed by external_id",
            fx_date="issue_date",
            date_orders=(DateOrder("issue_date", "due_date"),),
            extra_rules=("amount_covers_applied",),
        ),
        KindSpec(
            "payments",
            m.Payment,
            (
                _text("external_id", m.Payment, required=True),
                _ref("customer", CUSTOMER),
                _date("received_on", required=True),
                _amount("amount"),
                _currency(),
                _text("method", m.Payment),
                _text("reference", m.Payment),
                # Optional allocation to one invoice; without it the payment is applied FIFO by
                # due date across the customer's open invoices.
                FieldSpec("invoice", FieldType.REF, ref=INVOICE, column=None),
                FieldSpec(
                    "allocated",
                    FieldType.AMOUNT,
                    column=None,
                    positive=True,
                    currency_field="currency",
                ),
            ),
            key=("external_id",),
            description=(
                "payments, keyed by external_id; optional invoice (+ allocated) column,"
                " otherwise applied FIFO by due date"
            ),
            fx_date="received_on",
            same_currency_as=(("currency", "invoice"),),
            extra_rules=("payment_allocation",),
        ),
        KindSpec(
            "allocations",
            m.Allocation,
            (
                _ref("payment", PAYMENT),
                _ref("invoice", INVOICE),
                _amount("amount"),
                _currency(column=None),
            ),
            key=("payment", "invoice"),
            description="parts of payments applied to invoices, keyed by payment + invoice",
            same_currency_as=(("currency", "payment"), ("currency", "invoice")),
            extra_rules=("allocation_within_amounts",),
        ),
        _adjustments("adjustments", None, "credit notes, write-offs and discounts (kind column)"),
        _adjustments("credit-notes", m.AdjustmentKind.CREDIT_NOTE, "credit notes"),
        _adjustments("write-offs", m.AdjustmentKind.WRITE_OFF, "write-offs"),
        KindSpec(
            "activities",
            m.Activity,
            (
                _text("external_id", m.Activity, required=True),
                _ref("customer", CUSTOMER),
                _ref("invoice", INVOICE, required=False),
                _choice("channel", m.Channel, required=True),
                _choice("direction", m.Direction, default=m.Direction.OUTBOUND),
                _choice("outcome", m.Outcome, required=True),
                _ref("collector", COLLECTOR, required=False),
                FieldSpec("occurred_at", FieldType.DATETIME, required=True),
                _text("note", m.Activity),
            ),
            key=("external_id",),
            description="calls, e-mails, letters, visits, keyed by external_id",
        ),
        KindSpec(
            "promises",
            m.PromiseToPay,
            (
                _text("external_id", m.PromiseToPay, required=True),
                _ref("customer", CUSTOMER),
                _ref("invoice", INVOICE, required=False),
                _ref("activity", ACTIVITY, required=False),
                _ref("collector", COLLECTOR, required=False),
                _date("promised_on", required=True),
                _date("due_date", required=True),
                _amount("amount"),
                _currency(),
                _choice("status", m.PromiseStatus, default=m.PromiseStatus.OPEN),
            ),
            key=("external_id",),
            description="promises to pay, keyed by external_id",
            fx_date="promised_on",
            date_orders=(DateOrder("promised_on", "due_date"),),
        ),
        KindSpec(
            "payment-plans",
            m.PaymentPlan,
            (
                _text("external_id", m.PaymentPlan, required=True),
                _ref("customer", CUSTOMER),
                _date("agreed_on", required=True),
                _amount("total", "total_minor"),
                _currency(),
                _choice("status", m.PlanStatus, default=m.PlanStatus.ACTIVE),
            ),
            key=("external_id",),
            description="payment plans, keyed by external_id (instalments: kind instalments)",
            fx_date="agreed_on",
        ),
        KindSpec(
            "instalments",
            m.Instalment,
            (
                _ref("plan", PLAN),
                FieldSpec("sequence", FieldType.INT, required=True, positive=True),
                _date("due_date", required=True),
                _amount("amount"),
                _currency(column=None),
            ),
            key=("plan", "sequence"),
            description="instalments of payment plans, keyed by plan + sequence",
            same_currency_as=(("currency", "plan"),),
        ),
        KindSpec(
            "disputes",
            m.Dispute,
            (
                _text("external_id", m.Dispute, required=True),
                _ref("invoice", INVOICE),
                _date("opened_on", required=True),
                _date("resolved_on"),
                _amount("amount", required=False),
                _currency(column=None),
                _text("reason", m.Dispute),
                _choice("status", m.DisputeStatus, default=m.DisputeStatus.OPEN),
            ),
            key=("external_id",),
            description="disputes, keyed by external_id",
            date_orders=(DateOrder("opened_on", "resolved_on"),),
            same_currency_as=(("currency", "invoice"),),
        ),
        KindSpec(
            "agencies",
            m.Agency,
            (
                _text("external_id", m.Agency, required=True),
                _text("name", m.Agency, required=True),
                _choice("kind", m.AgencyKind, default=m.AgencyKind.AGENCY),
            ),
            key=("external_id",),
            description="collection agencies and lawyers, keyed by external_id",
        ),
        KindSpec(
            "placements",
            m.Placement,
            (
                _text("external_id", m.Placement, required=True),
                _ref("invoice", INVOICE),
                _ref("agency", AGENCY),
                _date("placed_on", required=True),
                _date("recalled_on"),
                _amount("amount"),
                _currency(),
            ),
            key=("external_id",),
            description="invoices placed with agencies or lawyers, keyed by external_id",
            date_orders=(DateOrder("placed_on", "recalled_on"),),
            same_currency_as=(("currency", "invoice"),),
        ),
        KindSpec(
            "assignments",
            m.Assignment,
            (
                _ref("customer", CUSTOMER),
                _ref("collector", COLLECTOR, required=False),
                _ref("team", TEAM, required=False),
                _date("valid_from", required=True),
                _date("valid_to"),
            ),
            key=("customer", "valid_from"),
            description="customers assigned to collectors or teams, keyed by customer + valid_from",
            date_orders=(DateOrder("valid_from", "valid_to", strict=True),),
            extra_rules=("collector_or_team",),
        ),
        KindSpec(
            "credit-decisions",
            m.CreditDecision,
            (
                _text("external_id", m.CreditDecision, required=True),
                _ref("customer", CUSTOMER, required=False),
                _text("applicant", m.CreditDecision),
                _date("applied_on", required=True),
                _date("decided_on", required=True),
                _choice("decision", m.CreditDecisionKind, required=True),
                FieldSpec(
                    "limit_granted",
                    FieldType.AMOUNT,
                    column="limit_granted_minor",
                    currency_field="currency",
                ),
                FieldSpec("currency", FieldType.CURRENCY, column="currency", default=""),
                FieldSpec("score", FieldType.INT),
                _bool("policy_exception"),
                _text("exception_reason", m.CreditDecision),
            ),
            key=("external_id",),
            description="credit applications and their decisions, keyed by external_id",
            date_orders=(DateOrder("applied_on", "decided_on"),),
        ),
        KindSpec(
            "collection-costs",
            m.CollectionCost,
            (
                _text("external_id", m.CollectionCost, required=True),
                _date("incurred_on", required=True),
                _amount("amount"),
                _currency(),
                _text("category", m.CollectionCost),
                _ref("team", TEAM, required=False),
            ),
            key=("external_id",),
            description="costs of collecting (for cost to collect), keyed by external_id",
            fx_date="incurred_on",
        ),
        KindSpec(
            "fx-rates",
            m.FxRate,
            (
                _currency(),
                _date("rate_date", required=True),
                FieldSpec("rate", FieldType.RATE, required=True, column="rate_scaled"),
            ),
            key=("currency", "rate_date"),
            description="base-currency units per one unit of currency, keyed by currency + date",
        ),
    )
}
