"""Contact rules as data, and restrictions with the days they were in effect.

A `Rule` is one of a fixed set of evaluators (`RuleKind`) with its parameters, at a scope
(the whole organisation, one team, one customer). A `Restriction` is a dated fact about a debtor
that rules read (cease requested on, bankruptcy filed on, opted out of SMS on). Disputes stay the
ledger's (`recoup.ledger.models.Dispute`); the customers file's flags are a shorthand read as
"in effect since always" when no dated restriction of that kind exists (docs/compliance.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from recoup.accounts.models import Team
from recoup.core.models import TimeStamped
from recoup.ledger.models import Customer, Invoice

User = settings.AUTH_USER_MODEL


class ContactChannel(models.TextChoices):
    """The ways a debtor is contacted; `legal` is filing or threatening legal action."""

    CALL = "call", "Call"
    SMS = "sms", "SMS"
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Letter"
    VISIT = "visit", "Visit"
    LEGAL = "legal", "Legal action"


class RuleKind(models.TextChoices):
    """The evaluators a rule can use; each reads its own parameters (`recoup.compliance.rules`)."""

    TIME_WINDOW = "time_window", "Allowed hours in the debtor's local time"
    CALL_FREQUENCY = "call_frequency", "At most N calls per debt in D consecutive days"
    CONVERSATION_BLOCK = "conversation_block", "No call for D days after a conversation"
    RESTRICTION = "restriction", "A restriction in effect stops contact"
    CHANNEL_BLOCK = "channel_block", "A channel is not used at all"
    TIME_BARRED = "time_barred", "No legal action once the statute of limitations has run"


class RuleScope(models.TextChoices):
    SYSTEM = "system", "Everyone"
    TEAM = "team", "One team"
    CUSTOMER = "customer", "One customer"


class Severity(models.TextChoices):
    BLOCK = "block", "Blocks the contact"
    WARN = "warn", "Warns only"


class Rule(TimeStamped):
    """One contact rule. Rules with different codes add up; a rule whose `code` is also held by
    a rule at a narrower scope (team, then customer) gives way to it for that team or customer."""

    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=RuleKind.choices)
    params = models.JSONField(default=dict, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.BLOCK)
    scope = models.CharField(max_length=16, choices=RuleScope.choices, default=RuleScope.SYSTEM)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_rules"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_rules"
    )
    active = models.BooleanField(default=True)
    # The regulation or policy the rule stands on ("12 CFR 1006.6(b)(1)(i)").
    source = models.CharField(max_length=200, blank=True)
    preset = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["code", "scope", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RuleKind.values), name="compliance_rule_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="compliance_rule_severity_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(scope=RuleScope.SYSTEM, team__isnull=True, customer__isnull=True)
                    | Q(scope=RuleScope.TEAM, team__isnull=False, customer__isnull=True)
                    | Q(scope=RuleScope.CUSTOMER, team__isnull=True, customer__isnull=False)
                ),
                name="compliance_rule_scope_matches",
            ),
            # One rule per code at each scope: a narrower one replaces, never duplicates.
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(scope=RuleScope.SYSTEM),
                name="compliance_rule_one_system_per_code",
            ),
            models.UniqueConstraint(
                fields=["code", "team"],
                condition=Q(scope=RuleScope.TEAM),
                name="compliance_rule_one_per_code_team",
            ),
            models.UniqueConstraint(
                fields=["code", "customer"],
                condition=Q(scope=RuleScope.CUSTOMER),
                name="compliance_rule_one_per_code_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RestrictionKind(models.TextChoices):
    CEASE = "cease", "Cease communication requested"
    BANKRUPTCY = "bankruptcy", "Bankruptcy filed"
    OPT_OUT = "opt_out", "Opted out of a channel"
    DISPUTE = "dispute", "Debt disputed"


class Restriction(TimeStamped):
    """A dated restriction on contacting a debtor: in effect on every day from `effective_on`
    through `ended_on` (both in the debtor's calendar; open while `ended_on` is empty)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="restrictions")
    # A restriction about one debt (a dispute given outside the ledger's disputes); else all.
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="restrictions"
    )
    kind = models.CharField(max_length=16, choices=RestrictionKind.choices)
    # For opt-outs the channel opted out of; otherwise empty (every channel).
    channel = models.CharField(max_length=16, choices=ContactChannel.choices, blank=True)
    effective_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["customer", "effective_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RestrictionKind.values),
                name="compliance_restriction_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel="") | Q(channel__in=ContactChannel.values),
                name="compliance_restriction_channel_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind=RestrictionKind.OPT_OUT) | ~Q(channel=""),
                name="compliance_restriction_opt_out_names_channel",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("effective_on")),
                name="compliance_restriction_ends_after_start",
            ),
            # The import's key: one restriction of a kind and channel starts on a day.
            models.UniqueConstraint(
                fields=["customer", "kind", "channel", "effective_on"],
                name="compliance_restriction_unique_start",
            ),
        ]
        indexes = [models.Index(fields=["customer", "kind"])]

    def __str__(self) -> str:
        what = f"{self.kind} {self.channel}".strip()
        return f"{what} from {self.effective_on}"
