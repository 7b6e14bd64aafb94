"""The contact-rule API (mounted at /api/compliance): check a proposed contact, the record
checks' findings, and the rules.

A session or a personal token; everyone signed in may ask, each within their book
(`recoup.accounts.scope`): a customer outside it answers 404, as if it did not exist. Bad input
(unknown channel, an instant without its offset, a period the wrong way round) answers 422 with
a `detail` naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from recoup.accounts.api_auth import API_AUTH
from recoup.accounts.scope import scope_for
from recoup.compliance.engine import CheckInputError
from recoup.compliance.findings import findings_list
from recoup.compliance.inputs import check_request
from recoup.compliance.models import Rule
from recoup.compliance.selectors import contact_check
from recoup.core.dates import parse_input_date
from recoup.core.errors import AccessDeniedError, InputDateError, NotFoundError, RecoupError

router = Router(auth=API_AUTH, tags=["compliance"])

# A findings period longer than this is refused: a request must not replay years of contacts.
MAX_FINDINGS_DAYS = 366


class HitOut(Schema):
    rule: str
    message: str
    fact: str
    next_allowed_at: str | None


class VerdictOut(Schema):
    allowed: bool
    blocks: list[HitOut]
    warnings: list[HitOut]
    next_allowed_at: str | None


class CheckIn(Schema):
    customer: str
    channel: str
    at: str
    invoice: str | None = None


class FindingOut(Schema):
    check: str
    at: str
    customer: str
    who: str
    what: str
    rules: list[str]
    record: str


class FindingsOut(Schema):
    date_from: str
    date_to: str
    contacts_checked: int
    counts: dict[str, int]
    findings: list[FindingOut]


class FindingsIn(Schema):
    date_from: str
    date_to: str


class RuleOut(Schema):
    code: str
    name: str
    kind: str
    params: dict[str, object]
    severity: str
    scope: str
    team: str | None
    customer: str | None
    active: bool
    source: str


def _call[T](fn: Callable[[], T]) -> T:
    try:
        return fn()
    except NotFoundError as exc:
        raise HttpError(404, str(exc)) from None
    except AccessDeniedError as exc:
        raise HttpError(403, str(exc)) from None
    except (RecoupError, CheckInputError) as exc:
        raise HttpError(422, str(exc)) from None


@router.get("/check", response=VerdictOut)
def check(request: HttpRequest, query: Query[CheckIn]) -> dict[str, object]:
    """May this customer be contacted through this channel at this instant (about this invoice,
    or about their debts as a whole)? Every rule that blocks, why, and from when it is allowed."""

    def run() -> dict[str, object]:
        asked = check_request(
            scope_for(request.user),
            customer=query.customer,
            channel=query.channel,
            at=query.at,
            invoice=query.invoice,
        )
        verdict = contact_check(
            customer=asked.customer, channel=asked.channel, at=asked.at, invoice=asked.invoice
        )
        return verdict.as_json()

    return _call(run)


def _date(text: str, name: str) -> date:
    try:
        return parse_input_date(text, what=name)
    except InputDateError as exc:
        raise HttpError(422, str(exc)) from None


@router.get("/findings", response=FindingsOut)
def findings(request: HttpRequest, query: Query[FindingsIn]) -> dict[str, object]:
    """Past contacts that broke a rule, promises logged without a contact and unusual
    write-offs, from `date_from` to `date_to` (at most a year), among the asker's debtors."""
    start, end = _date(query.date_from, "date_from"), _date(query.date_to, "date_to")
    if start > end:
        raise HttpError(422, f"date_from {start} is after date_to {end}")
    if (end - start).days >= MAX_FINDINGS_DAYS:
        raise HttpError(422, f"a period of at most {MAX_FINDINGS_DAYS} days")
    report = _call(lambda: findings_list(scope_for(request.user), date_from=start, date_to=end))
    return {
        "date_from": start.isoformat(),
        "date_to": end.isoformat(),
        "contacts_checked": report.contacts_checked,
        "counts": report.counts(),
        "findings": [f.as_json() for f in report.findings],
    }


@router.get("/rules", response=list[RuleOut])
def rules(request: HttpRequest) -> list[dict[str, object]]:
    """The contact rules: organisation-wide, teams' and (for customers the asker sees)
    customers' own."""
    from recoup.ledger.selectors import customers_in_scope

    visible = customers_in_scope(scope_for(request.user)).values("id")
    rows = Rule.objects.select_related("team", "customer").filter(
        Q(customer__isnull=True) | Q(customer_id__in=visible)
    )
    return [
        {
            "code": r.code,
            "name": r.name,
            "kind": r.kind,
            "params": r.params,
            "severity": r.severity,
            "scope": r.scope,
            "team": r.team.name if r.team else None,
            "customer": r.customer.external_id if r.customer else None,
            "active": r.active,
            "source": r.source,
        }
        for r in rows.order_by("code", "scope", "id")
    ]
