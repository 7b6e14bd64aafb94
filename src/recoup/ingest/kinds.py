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
from recoup.compliance.models import ContactChannel, Restriction, RestrictionKind
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
PLACEMENT = RefTarget(m.Placement, "external_id", "placement")
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
    meaning: str = ""  # what the column holds, in plain words (the import page's column guide)

    @property
    def db_column(self) -> str | None:
        if self.column == "":
            return f"{self.name}_id" if self.type is FieldType.REF else self.name
        return self.column


def _text(
    name: str, model: type[models.Model], *, required: bool = False, meaning: str = ""
) -> FieldSpec:
    f = model._meta.get_field(name)
    assert isinstance(f, models.CharField | models.TextField)
    return FieldSpec(
        name,
        FieldType.TEXT,
        required=required,
        max_length=f.max_length or 0,
        default=None if required else "",
        meaning=meaning,
    )


def _choice(
    name: str,
    choices: type[models.TextChoices],
    *,
    required: bool = False,
    default: str = "",
    meaning: str = "",
) -> FieldSpec:
    return FieldSpec(
        name,
        FieldType.CHOICE,
        required=required,
        choices=tuple(choices.values),
        labels=tuple((str(label).lower(), value) for value, label in choices.choices),
        default=default or None,
        meaning=meaning,
    )


def _bool(name: str, meaning: str = "") -> FieldSpec:
    return FieldSpec(name, FieldType.BOOL, default=False, meaning=meaning)


def _date(name: str, *, required: bool = False, meaning: str = "") -> FieldSpec:
    return FieldSpec(name, FieldType.DATE, required=required, meaning=meaning)


def _amount(
    name: str,
    column: str = "amount_minor",
    *,
    required: bool = True,
    currency: str = "currency",
    meaning: str = "",
) -> FieldSpec:
    return FieldSpec(
        name,
        FieldType.AMOUNT,
        required=required,
        column=column,
        positive=True,
        currency_field=currency,
        meaning=meaning,
    )


def _currency(
    *, column: str | None = "currency", name: str = "currency", meaning: str = ""
) -> FieldSpec:
    # Required in the table, but a preset's or the base currency fills it when the file has none.
    return FieldSpec(
        name,
        FieldType.CURRENCY,
        required=True,
        column=column,
        meaning=meaning or "the currency of the amounts; blank means the base currency",
    )


def _ref(name: str, target: RefTarget, *, required: bool = True, meaning: str = "") -> FieldSpec:
    return FieldSpec(name, FieldType.REF, required=required, ref=target, meaning=meaning)


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
    # One row of (field, value) that imports cleanly once the examples of the kinds listed before
    # it are in: the import page's template file. A currency left out is the base currency; a
    # collector left out is the person who downloads the template.
    example: tuple[tuple[str, str], ...] = ()

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
    _text(
        "external_id",
        m.Adjustment,
        required=True,
        meaning="your system's number for the adjustment; importing it again updates it",
    ),
    _ref("invoice", INVOICE, meaning="the invoice it reduces (its external_id)"),
    _choice(
        "kind",
        m.AdjustmentKind,
        required=True,
        meaning="credit note, write-off or discount",
    ),
    _date("effective_on", required=True, meaning="the day it takes effect on the invoice"),
    _amount("amount", meaning="how much it takes off the invoice"),
    _currency(meaning="the invoice's currency; blank means the base currency"),
    _text("reason", m.Adjustment, meaning="why it was granted, in a few words"),
)


def _adjustments(
    name: str, kind: str | None, description: str, example: tuple[tuple[str, str], ...]
) -> KindSpec:
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
        example=example,
    )


def _adjustment_example(
    external_id: str, effective_on: str, amount: str, reason: str
) -> tuple[tuple[str, str], ...]:
    # "kind" is left out where the kind fixes it (credit notes, write-offs).
    return (
        ("external_id", external_id),
        ("invoice", "INV-1001"),
        ("kind", "discount"),
        ("effective_on", effective_on),
        ("amount", amount),
        ("reason", reason),
    )


_NEW_ID = "your system's number for it; importing it again updates it"
KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(
            "customers",
            m.Customer,
            (
                _text(
                    "external_id",
                    m.Customer,
                    required=True,
                    meaning="your system's customer number; importing it again updates it",
                ),
                _text("name", m.Customer, required=True, meaning="the name people know it by"),
                _text("segment", m.Customer, meaning="a group you report by, such as SMB"),
                _text("country", m.Customer, meaning="where the customer is, e.g. GB or US"),
                FieldSpec(
                    "time_zone",
                    FieldType.TIME_ZONE,
                    default="UTC",
                    meaning="the customer's local time, for when they may be called",
                ),
                _date("since", meaning="the first day the customer is known to the ledger"),
                _amount(
                    "credit_limit",
                    "credit_limit_minor",
                    required=False,
                    currency="credit_limit_currency",
                    meaning="the most the customer may owe",
                ),
                FieldSpec(
                    "credit_limit_currency",
                    FieldType.CURRENCY,
                    column="credit_limit_currency",
                    default="",
                    meaning="the currency of the credit limit; blank means the base currency",
                ),
                _bool("cease_communication", "the customer asked to stop all contact"),
                _bool("bankruptcy", "the customer is in bankruptcy: no collection"),
                _bool("do_not_call", "never phone this customer"),
                _bool("opt_out_email", "no e-mails"),
                _bool("opt_out_sms", "no text messages"),
                _bool("opt_out_letter", "no letters"),
                _date(
                    "statute_of_limitations_date",
                    meaning="after this day the debt may no longer be collected",
                ),
            ),
            key=("external_id",),
            description="debtors, keyed by external_id",
            example=(
                ("external_id", "C-1001"),
                ("name", "Acme Trading Ltd"),
                ("segment", "SMB"),
                ("country", "GB"),
                ("time_zone", "Europe/London"),
                ("since", "2019-05-01"),
                ("credit_limit", "10000.00"),
                ("cease_communication", "no"),
                ("bankruptcy", "no"),
                ("do_not_call", "no"),
                ("opt_out_email", "no"),
                ("opt_out_sms", "no"),
                ("opt_out_letter", "no"),
                ("statute_of_limitations_date", "2027-06-30"),
            ),
        ),
        KindSpec(
            "contact-points",
            m.ContactPoint,
            (
                _ref(
                    "customer", CUSTOMER, meaning="whose contact it is (the customer's external_id)"
                ),
                _choice("kind", m.ContactKind, required=True, meaning="phone, e-mail or address"),
                _text(
                    "value",
                    m.ContactPoint,
                    required=True,
                    meaning="the number, e-mail address or postal address itself",
                ),
                _text("label", m.ContactPoint, meaning="a name for it, such as Accounts payable"),
                _bool("is_primary", "the one to use first"),
                _choice(
                    "status",
                    m.ContactStatus,
                    default=m.ContactStatus.UNVERIFIED,
                    meaning="whether it is known to work; blank means not verified",
                ),
                _date("status_changed_on", meaning="when that status was last learned"),
                _choice(
                    "source",
                    m.ContactSource,
                    default=m.ContactSource.IMPORTED,
                    meaning="where it was found, such as credit_bureau; blank means this import",
                ),
                _text(
                    "source_note",
                    m.ContactPoint,
                    meaning="which directory, bureau report or web page it came from",
                ),
            ),
            key=("customer", "kind", "value"),
            description="phones, e-mails and addresses, keyed by customer + kind + value",
            example=(
                ("customer", "C-1001"),
                ("kind", "email"),
                ("value", "payables@acme.example"),
                ("label", "Accounts payable"),
                ("is_primary", "yes"),
                ("status", "valid"),
                ("status_changed_on", "2026-02-01"),
            ),
        ),
        KindSpec(
            "invoices",
            m.Invoice,
            (
                _text(
                    "external_id",
                    m.Invoice,
                    required=True,
                    meaning="the invoice number; importing it again updates it",
                ),
                _ref("customer", CUSTOMER, meaning="who owes it (the customer's external_id)"),
                _date("issue_date", required=True, meaning="the day the invoice was issued"),
                _date("due_date", required=True, meaning="the day payment is due"),
                _amount("amount", meaning="the invoice total"),
                _currency(),
                _text("description", m.Invoice, meaning="what was sold, in a few words"),
                _text(
                    "delivery",
                    m.Invoice,
                    meaning="how it reached the customer, such as paper or electronic",
                ),
            ),
            key=("external_id",),
            description="invoices, keyed by external_id",
            fx_date="issue_date",
            date_orders=(DateOrder("issue_date", "due_date"),),
            extra_rules=("amount_covers_applied",),
            example=(
                ("external_id", "INV-1001"),
                ("customer", "C-1001"),
                ("issue_date", "2026-03-01"),
                ("due_date", "2026-03-31"),
                ("amount", "1200.00"),
                ("description", "Spring stock order"),
                ("delivery", "electronic"),
            ),
        ),
        KindSpec(
            "payments",
            m.Payment,
            (
                _text(
                    "external_id",
                    m.Payment,
                    required=True,
                    meaning="your system's payment number; importing it again updates it",
                ),
                _ref("customer", CUSTOMER, meaning="who paid (the customer's external_id)"),
                _date("received_on", required=True, meaning="the day the money arrived"),
                _amount("amount", meaning="how much arrived"),
                _currency(),
                _text("method", m.Payment, meaning="how it was paid, such as transfer or card"),
                _text("reference", m.Payment, meaning="the bank's or payer's reference"),
                # Optional allocation to one invoice; without it the payment is applied FIFO by
                # due date across the customer's open invoices.
                FieldSpec(
                    "invoice",
                    FieldType.REF,
                    ref=INVOICE,
                    column=None,
                    meaning=(
                        "the invoice it pays; blank applies it to the customer's oldest due"
                        " invoices first"
                    ),
                ),
                FieldSpec(
                    "allocated",
                    FieldType.AMOUNT,
                    column=None,
                    positive=True,
                    currency_field="currency",
                    meaning="how much of it goes to that invoice; blank means all of it",
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
            example=(
                ("external_id", "PAY-1001"),
                ("customer", "C-1001"),
                ("received_on", "2026-03-25"),
                ("amount", "500.00"),
                ("method", "transfer"),
                ("reference", "ACME REMIT 0325"),
                ("invoice", "INV-1001"),
                ("allocated", "500.00"),
            ),
        ),
        KindSpec(
            "allocations",
            m.Allocation,
            (
                _ref("payment", PAYMENT, meaning="the payment (its external_id)"),
                _ref("invoice", INVOICE, meaning="the invoice it pays (its external_id)"),
                _amount("amount", meaning="how much of the payment goes to the invoice"),
                _currency(
                    column=None, meaning="the payment's currency; blank means the base currency"
                ),
            ),
            key=("payment", "invoice"),
            description="parts of payments applied to invoices, keyed by payment + invoice",
            same_currency_as=(("currency", "payment"), ("currency", "invoice")),
            extra_rules=("allocation_within_amounts",),
            example=(("payment", "PAY-1001"), ("invoice", "INV-1001"), ("amount", "500.00")),
        ),
        _adjustments(
            "adjustments",
            None,
            "credit notes, write-offs and discounts (kind column)",
            _adjustment_example("ADJ-1001", "2026-03-20", "20.00", "Early payment discount"),
        ),
        _adjustments(
            "credit-notes",
            m.AdjustmentKind.CREDIT_NOTE,
            "credit notes",
            _adjustment_example("CN-1001", "2026-03-21", "30.00", "Two items returned"),
        ),
        _adjustments(
            "write-offs",
            m.AdjustmentKind.WRITE_OFF,
            "write-offs",
            _adjustment_example("WO-1001", "2026-06-30", "50.00", "Small balance"),
        ),
        KindSpec(
            "activities",
            m.Activity,
            (
                _text("external_id", m.Activity, required=True, meaning=_NEW_ID),
                _ref(
                    "customer", CUSTOMER, meaning="who was contacted (the customer's external_id)"
                ),
                _ref(
                    "invoice",
                    INVOICE,
                    required=False,
                    meaning="the invoice it was about, if one (its external_id)",
                ),
                _choice("channel", m.Channel, required=True, meaning="how the contact was made"),
                _choice(
                    "direction",
                    m.Direction,
                    default=m.Direction.OUTBOUND,
                    meaning="who reached out; blank means you did (outbound)",
                ),
                _choice("outcome", m.Outcome, required=True, meaning="what came of it"),
                _ref(
                    "collector",
                    COLLECTOR,
                    required=False,
                    meaning="who made the contact (their Recoup user name)",
                ),
                FieldSpec(
                    "occurred_at",
                    FieldType.DATETIME,
                    required=True,
                    meaning="when it happened; without an offset it is read as UTC",
                ),
                _text("note", m.Activity, meaning="what was said, in a few words"),
            ),
            key=("external_id",),
            description="calls, e-mails, letters, visits, keyed by external_id",
            example=(
                ("external_id", "ACT-1001"),
                ("customer", "C-1001"),
                ("invoice", "INV-1001"),
                ("channel", "call"),
                ("direction", "outbound"),
                ("outcome", "promise"),
                ("occurred_at", "2026-04-02 10:15"),
                ("note", "Promised 300 by 20 April"),
            ),
        ),
        KindSpec(
            "promises",
            m.PromiseToPay,
            (
                _text("external_id", m.PromiseToPay, required=True, meaning=_NEW_ID),
                _ref("customer", CUSTOMER, meaning="who promised (the customer's external_id)"),
                _ref(
                    "invoice",
                    INVOICE,
                    required=False,
                    meaning="the invoice it is for, if one (its external_id)",
                ),
                _ref(
                    "activity",
                    ACTIVITY,
                    required=False,
                    meaning="the contact it was made in, if known (its external_id)",
                ),
                _ref(
                    "collector",
                    COLLECTOR,
                    required=False,
                    meaning="who took the promise (their Recoup user name)",
                ),
                _date("promised_on", required=True, meaning="the day the promise was made"),
                _date("due_date", required=True, meaning="the day the money is promised for"),
                _amount("amount", meaning="how much was promised"),
                _currency(),
                _choice(
                    "status",
                    m.PromiseStatus,
                    default=m.PromiseStatus.OPEN,
                    meaning="whether it was kept; blank means open",
                ),
            ),
            key=("external_id",),
            description="promises to pay, keyed by external_id",
            fx_date="promised_on",
            date_orders=(DateOrder("promised_on", "due_date"),),
            example=(
                ("external_id", "PTP-1001"),
                ("customer", "C-1001"),
                ("invoice", "INV-1001"),
                ("activity", "ACT-1001"),
                ("promised_on", "2026-04-02"),
                ("due_date", "2026-04-20"),
                ("amount", "300.00"),
                ("status", "kept"),
            ),
        ),
        KindSpec(
            "payment-plans",
            m.PaymentPlan,
            (
                _text("external_id", m.PaymentPlan, required=True, meaning=_NEW_ID),
                _ref(
                    "customer",
                    CUSTOMER,
                    meaning="who pays by the plan (the customer's external_id)",
                ),
                _date("agreed_on", required=True, meaning="the day the plan was agreed"),
                _amount("total", "total_minor", meaning="the total of all its instalments"),
                _currency(),
                _choice(
                    "status",
                    m.PlanStatus,
                    default=m.PlanStatus.ACTIVE,
                    meaning="where the plan stands; blank means active",
                ),
            ),
            key=("external_id",),
            description="payment plans, keyed by external_id (instalments: kind instalments)",
            fx_date="agreed_on",
            example=(
                ("external_id", "PLAN-1001"),
                ("customer", "C-1001"),
                ("agreed_on", "2026-05-04"),
                ("total", "300.00"),
                ("status", "active"),
            ),
        ),
        KindSpec(
            "instalments",
            m.Instalment,
            (
                _ref("plan", PLAN, meaning="the payment plan (its external_id)"),
                FieldSpec(
                    "sequence",
                    FieldType.INT,
                    required=True,
                    positive=True,
                    meaning="its place in the plan: 1 for the first",
                ),
                _date("due_date", required=True, meaning="the day it is due"),
                _amount("amount", meaning="how much is due that day"),
                _currency(
                    column=None, meaning="the plan's currency; blank means the base currency"
                ),
            ),
            key=("plan", "sequence"),
            description="instalments of payment plans, keyed by plan + sequence",
            same_currency_as=(("currency", "plan"),),
            example=(
                ("plan", "PLAN-1001"),
                ("sequence", "1"),
                ("due_date", "2026-06-01"),
                ("amount", "150.00"),
            ),
        ),
        KindSpec(
            "disputes",
            m.Dispute,
            (
                _text("external_id", m.Dispute, required=True, meaning=_NEW_ID),
                _ref("invoice", INVOICE, meaning="the disputed invoice (its external_id)"),
                _date("opened_on", required=True, meaning="the day the customer raised it"),
                _date("resolved_on", meaning="the day it was settled; blank while it is open"),
                _amount(
                    "amount",
                    required=False,
                    meaning="how much is disputed; blank means the whole invoice",
                ),
                _currency(
                    column=None, meaning="the invoice's currency; blank means the base currency"
                ),
                _text("reason", m.Dispute, meaning="what the customer disputes, in a few words"),
                _choice(
                    "status",
                    m.DisputeStatus,
                    default=m.DisputeStatus.OPEN,
                    meaning="where it stands; blank means open",
                ),
            ),
            key=("external_id",),
            description="disputes, keyed by external_id",
            date_orders=(DateOrder("opened_on", "resolved_on"),),
            same_currency_as=(("currency", "invoice"),),
            example=(
                ("external_id", "DSP-1001"),
                ("invoice", "INV-1001"),
                ("opened_on", "2026-04-05"),
                ("resolved_on", "2026-04-19"),
                ("amount", "100.00"),
                ("reason", "One crate arrived damaged"),
                ("status", "resolved"),
            ),
        ),
        KindSpec(
            "restrictions",
            Restriction,
            (
                _ref("customer", CUSTOMER, meaning="the debtor (their external_id)"),
                _ref(
                    "invoice",
                    INVOICE,
                    required=False,
                    meaning="one invoice the restriction is about; blank means every debt",
                ),
                _choice(
                    "kind",
                    RestrictionKind,
                    required=True,
                    meaning="cease, bankruptcy, opt_out (of a channel) or dispute",
                ),
                FieldSpec(
                    "channel",
                    FieldType.CHOICE,
                    choices=tuple(ContactChannel.values),
                    labels=tuple((str(lb).lower(), v) for v, lb in ContactChannel.choices),
                    default="",
                    meaning="for an opt-out, the channel (call, sms, email, letter, visit)",
                ),
                _date("effective_on", required=True, meaning="the first day it held"),
                _date("ended_on", meaning="the last day it held; blank while it holds"),
                _text("note", Restriction, meaning="what the debtor asked, in a few words"),
            ),
            key=("customer", "kind", "channel", "effective_on"),
            description=(
                "contact restrictions with the days they held (cease requested, bankruptcy,"
                " opt-outs), keyed by customer + kind + channel + effective_on"
            ),
            date_orders=(DateOrder("effective_on", "ended_on"),),
            example=(
                ("customer", "C-1001"),
                ("kind", "opt_out"),
                ("channel", "sms"),
                ("effective_on", "2026-04-05"),
                ("ended_on", ""),
                ("note", "Asked on the phone: no more texts"),
            ),
        ),
        KindSpec(
            "agencies",
            m.Agency,
            (
                _text("external_id", m.Agency, required=True, meaning=_NEW_ID),
                _text("name", m.Agency, required=True, meaning="the agency's or firm's name"),
                _choice(
                    "kind",
                    m.AgencyKind,
                    default=m.AgencyKind.AGENCY,
                    meaning="a collection agency or a lawyer; blank means agency",
                ),
            ),
            key=("external_id",),
            description="collection agencies and lawyers, keyed by external_id",
            example=(
                ("external_id", "AG-1001"),
                ("name", "Northstar Collections"),
                ("kind", "agency"),
            ),
        ),
        KindSpec(
            "placements",
            m.Placement,
            (
                _text("external_id", m.Placement, required=True, meaning=_NEW_ID),
                _ref("invoice", INVOICE, meaning="the invoice handed over (its external_id)"),
                _ref("agency", AGENCY, meaning="who it was handed to (the agency's external_id)"),
                _date("placed_on", required=True, meaning="the day it was handed over"),
                _date("recalled_on", meaning="the day it was taken back; blank while placed"),
                _amount("amount", meaning="how much was handed over to collect"),
                _currency(),
            ),
            key=("external_id",),
            description="invoices placed with agencies or lawyers, keyed by external_id",
            date_orders=(DateOrder("placed_on", "recalled_on"),),
            same_currency_as=(("currency", "invoice"),),
            example=(
                ("external_id", "PLC-1001"),
                ("invoice", "INV-1001"),
                ("agency", "AG-1001"),
                ("placed_on", "2026-07-01"),
                ("recalled_on", "2026-09-01"),
                ("amount", "200.00"),
            ),
        ),
        KindSpec(
            "remittances",
            m.AgencyRemittance,
            (
                _text(
                    "external_id",
                    m.AgencyRemittance,
                    required=True,
                    meaning=(
                        "the agency's reference for the amount; importing it again may change"
                        " only the commission"
                    ),
                ),
                _ref(
                    "placement",
                    PLACEMENT,
                    meaning="the placement it was collected under (its external_id)",
                ),
                _date("received_on", required=True, meaning="the day the agency collected it"),
                _amount("amount", meaning="how much the agency collected, before its commission"),
                FieldSpec(
                    "commission",
                    FieldType.AMOUNT,
                    column="commission_minor",
                    currency_field="currency",
                    default=0,
                    meaning="how much of it the agency kept as its commission; blank means none",
                ),
                _currency(meaning="the placement's currency; blank means the base currency"),
            ),
            key=("external_id",),
            description=(
                "what agencies collected on placements and the commission they kept, keyed by"
                " the agency's reference; each becomes a payment on the placed invoice"
            ),
            fx_date="received_on",
            same_currency_as=(("currency", "placement"),),
            extra_rules=("remittance",),
            example=(
                ("external_id", "NSC-0001"),
                ("placement", "PLC-1001"),
                ("received_on", "2026-08-14"),
                ("amount", "150.00"),
                ("commission", "37.50"),
            ),
        ),
        KindSpec(
            "assignments",
            m.Assignment,
            (
                _ref("customer", CUSTOMER, meaning="the customer (its external_id)"),
                _ref(
                    "collector",
                    COLLECTOR,
                    required=False,
                    meaning="who works the customer (their Recoup user name)",
                ),
                _ref(
                    "team",
                    TEAM,
                    required=False,
                    meaning="or the team that works it (the team's name)",
                ),
                _date("valid_from", required=True, meaning="the first day of the assignment"),
                _date("valid_to", meaning="the day it ends; blank while it lasts"),
            ),
            key=("customer", "valid_from"),
            description="customers assigned to collectors or teams, keyed by customer + valid_from",
            date_orders=(DateOrder("valid_from", "valid_to", strict=True),),
            extra_rules=("collector_or_team",),
            example=(("customer", "C-1001"), ("valid_from", "2026-01-01")),
        ),
        KindSpec(
            "credit-decisions",
            m.CreditDecision,
            (
                _text("external_id", m.CreditDecision, required=True, meaning=_NEW_ID),
                _ref(
                    "customer",
                    CUSTOMER,
                    required=False,
                    meaning="the customer, once there is one (its external_id)",
                ),
                _text(
                    "applicant",
                    m.CreditDecision,
                    meaning="who applied, for applicants who are not customers yet",
                ),
                _date("applied_on", required=True, meaning="the day the application came in"),
                _date("decided_on", required=True, meaning="the day it was decided"),
                _choice(
                    "decision",
                    m.CreditDecisionKind,
                    required=True,
                    meaning="approved, declined or referred",
                ),
                FieldSpec(
                    "limit_granted",
                    FieldType.AMOUNT,
                    column="limit_granted_minor",
                    currency_field="currency",
                    meaning="the credit limit granted, if any",
                ),
                FieldSpec(
                    "currency",
                    FieldType.CURRENCY,
                    column="currency",
                    default="",
                    meaning="the currency of the limit; blank means the base currency",
                ),
                FieldSpec("score", FieldType.INT, meaning="the credit score it was decided on"),
                _bool("policy_exception", "decided outside the credit policy"),
                _text(
                    "exception_reason",
                    m.CreditDecision,
                    meaning="why the policy was not followed",
                ),
            ),
            key=("external_id",),
            description="credit applications and their decisions, keyed by external_id",
            date_orders=(DateOrder("applied_on", "decided_on"),),
            example=(
                ("external_id", "CD-1001"),
                ("customer", "C-1001"),
                ("applicant", "Acme Trading Ltd"),
                ("applied_on", "2026-01-05"),
                ("decided_on", "2026-01-07"),
                ("decision", "approved"),
                ("limit_granted", "10000.00"),
                ("score", "712"),
                ("policy_exception", "no"),
            ),
        ),
        KindSpec(
            "collection-costs",
            m.CollectionCost,
            (
                _text("external_id", m.CollectionCost, required=True, meaning=_NEW_ID),
                _date("incurred_on", required=True, meaning="the day the cost arose"),
                _amount("amount", meaning="what it cost"),
                _currency(),
                _text(
                    "category",
                    m.CollectionCost,
                    meaning="what kind of cost, such as salaries or agency fees",
                ),
                _ref(
                    "team",
                    TEAM,
                    required=False,
                    meaning="the team it belongs to, if one (the team's name)",
                ),
            ),
            key=("external_id",),
            description="costs of collecting (for cost to collect), keyed by external_id",
            fx_date="incurred_on",
            example=(
                ("external_id", "COST-1001"),
                ("incurred_on", "2026-03-31"),
                ("amount", "150.00"),
                ("category", "agency fees"),
            ),
        ),
        KindSpec(
            "fx-rates",
            m.FxRate,
            (
                _currency(meaning="the foreign currency, a three-letter code such as EUR"),
                _date("rate_date", required=True, meaning="the day the rate applies from"),
                FieldSpec(
                    "rate",
                    FieldType.RATE,
                    required=True,
                    column="rate_scaled",
                    meaning="how many units of the base currency one unit of it buys",
                ),
            ),
            key=("currency", "rate_date"),
            description="base-currency units per one unit of currency, keyed by currency + date",
            example=(("currency", "EUR"), ("rate_date", "2026-03-02"), ("rate", "1.0850")),
        ),
    )
}
