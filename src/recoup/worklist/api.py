"""The worklist API (mounted at /api/worklist): a collector's list for the day, as the page and
`recoup worklist --format json` give it.

A session or a personal token. Collectors read their own list and their teammates'; managers
and admins anyone's; viewers none. Bad input (an instant without its offset, an unknown collector) answers
422 or 404 with a `detail` naming what is wrong; a collector outside the asker's teams 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from recoup.accounts.access import can_work_account
from recoup.accounts.api_auth import API_AUTH
from recoup.accounts.models import Role, User
from recoup.accounts.scope import scope_for
from recoup.compliance.engine import CheckInputError
from recoup.compliance.inputs import parse_instant
from recoup.core.dates import parse_input_date
from recoup.core.errors import AccessDeniedError, NotFoundError, RecoupError
from recoup.worklist.likelihood import LATE
from recoup.worklist.scorecard import (
    PERIODS,
    ScorecardInputError,
    scorecard_for,
    scorecard_json,
)
from recoup.worklist.selectors import (
    collector_for,
    collectors_visible,
    worklist_for,
    worklist_json,
)
from recoup.worklist.services import likelihood_current
from recoup.worklist.tracing import trace_json, trace_queue
from recoup.worklist.warning import early_warning_for, early_warning_json

router = Router(auth=API_AUTH, tags=["worklist"])


class WorklistIn(Schema):
    collector: str | None = None
    at: str | None = None


class ReasonOut(Schema):
    words: str
    raises: bool


class ContactOut(Schema):
    channel: str
    to: str
    allowed: bool
    blocked_by: list[str]
    next_allowed_at: str | None


class EntryOut(Schema):
    rank: int | None
    customer: str
    name: str
    balance: str
    currency: str
    likelihood: float
    expected_recovery: str
    urgent: list[str]
    promised: str | None
    segment: str
    treatment: str
    days_past_due: int
    reasons: list[ReasonOut]
    within_daily_limit: bool
    contacts: list[ContactOut]


class CallsOut(Schema):
    limit: int
    made_today: int


class WorklistOut(Schema):
    collector: str
    collector_name: str
    day: str
    at: str | None
    question: str
    method: str
    holdout_auc: float | None
    calls: CallsOut
    entries: list[EntryOut]
    later_today: list[EntryOut]
    waiting_on_a_promise: list[EntryOut]
    blocked: list[EntryOut]
    unreachable: list[EntryOut]
    letter_agency_or_legal: list[EntryOut]


@router.get("", response=WorklistOut)
def worklist(request: HttpRequest, query: Query[WorklistIn]) -> dict[str, Any]:
    """A collector's worklist (the asker's own without `collector`) at instant `at` (default
    now): the accounts to contact now in order, each with balance, likelihood to pay, expected
    recovery, reasons and the contacts the rules allow; later today, blocked and unreachable
    accounts apart, and those waiting on a promise not due yet."""
    if not can_work_account(request.user):
        raise HttpError(403, "worklists are for collectors, managers and admins")
    scope = scope_for(request.user)
    try:
        at = parse_instant(query.at) if query.at else None
        username = query.collector or (
            request.user.get_username() if isinstance(request.user, User) else ""
        )
        collector = collector_for(scope, username)
        result = worklist_for(
            scope, collector=collector, likelihood=likelihood_current(background=True), at=at
        )
    except NotFoundError as error:
        raise HttpError(404, str(error)) from None
    except AccessDeniedError as error:
        raise HttpError(403, str(error)) from None
    except (RecoupError, CheckInputError) as error:
        raise HttpError(422, str(error)) from None
    return worklist_json(result)


class WarningIn(Schema):
    collector: str | None = None


class WarningReasonOut(Schema):
    words: str
    raises_risk: bool


class WarningAccountOut(Schema):
    customer: str
    name: str
    collector_name: str
    balance: str
    due_within_30_days: str
    likelihood_late: float
    at_risk: str
    reasons: list[WarningReasonOut]


class EarlyWarningOut(Schema):
    day: str
    question: str
    method: str
    holdout_auc: float | None
    watched: int
    at_risk: str
    currency: str
    accounts: list[WarningAccountOut]


@router.get("/early-warning", response=EarlyWarningOut)
def early_warning(request: HttpRequest, query: Query[WarningIn]) -> dict[str, Any]:
    """Accounts with nothing past due that are likely to go more than 30 days late, the most at
    risk first (what falls due within 30 days times the likelihood): of `collector`'s book, else of
    the asker's own book (a collector) or of every collector the asker sees."""
    if not can_work_account(request.user):
        raise HttpError(403, "the early warning is for collectors, managers and admins")
    scope = scope_for(request.user)
    try:
        if query.collector:
            collectors = [collector_for(scope, query.collector)]
        elif isinstance(request.user, User) and request.user.role == Role.COLLECTOR:
            collectors = [request.user]
        else:
            collectors = list(collectors_visible(scope))
        result = early_warning_for(
            scope,
            collectors=collectors,
            likelihood=likelihood_current(background=True, question=LATE.key),
            day=timezone.localdate(),
        )
    except NotFoundError as error:
        raise HttpError(404, str(error)) from None
    except AccessDeniedError as error:
        raise HttpError(403, str(error)) from None
    return early_warning_json(result)


class ScorecardIn(Schema):
    period: str = "month"
    as_of: str | None = None
    collector: str | None = None


class FigureOut(Schema):
    key: str
    label: str
    metric: str
    measure: str | None
    unit: str
    direction: str
    per_period: bool


class CellOut(Schema):
    value: str | None
    previous: str | None
    change: str | None
    target: str | None
    target_period: str | None
    met: bool | None
    explain: str | None


class ScorecardRowOut(Schema):
    collector: str | None
    collector_name: str
    figures: dict[str, CellOut]


class ScorecardOut(Schema):
    period: str
    from_: str = Field(..., alias="from")
    to: str
    previous_from: str
    previous_to: str
    data_as_of: str | None
    figures: list[FigureOut]
    rows: list[ScorecardRowOut]
    total: ScorecardRowOut | None


@router.get("/scorecard", response=ScorecardOut, by_alias=True)
def scorecard(request: HttpRequest, query: Query[ScorecardIn]) -> dict[str, Any]:
    """The collector scorecard for the `period` (week, month or quarter) to `as_of` (default
    today): per collector the asker may see (or only `collector`), each figure of the KPI
    catalogue (contacts, right-party contacts, promises, promises kept, cash collected, more
    than 90 days past due) with its value, the previous whole period's, the target a manager
    set and whether it is met; `total` is the collectors together."""
    if not can_work_account(request.user):
        raise HttpError(403, "the scorecard is for collectors, managers and admins")
    scope = scope_for(request.user)
    try:
        if query.period not in PERIODS:
            raise ScorecardInputError(
                f"period {query.period[:40]!r}: expected one of {', '.join(PERIODS)}"
            )
        as_of = parse_input_date(query.as_of[:40], what="as_of") if query.as_of else None
        if query.collector:
            person = collector_for(scope, query.collector[:150])
            if person.role != Role.COLLECTOR:
                raise NotFoundError(f"{query.collector!r} is not a collector")
            collectors = [person]
        else:
            collectors = list(collectors_visible(scope))
        card = scorecard_for(scope, collectors=collectors, period=query.period, as_of=as_of)
    except NotFoundError as error:
        raise HttpError(404, str(error)) from None
    except AccessDeniedError as error:
        raise HttpError(403, str(error)) from None
    except RecoupError as error:
        raise HttpError(422, str(error)) from None
    return scorecard_json(card)


class TraceIn(Schema):
    collector: str | None = None


class TriedOut(Schema):
    kind: str
    value: str
    status: str
    status_words: str
    status_changed_on: str | None
    source: str
    source_words: str


class TraceEntryOut(Schema):
    customer: str
    customer_id: int
    name: str
    balance: str
    currency: str
    collector: str | None
    collector_name: str | None
    team: str | None
    tried: list[TriedOut]


class TraceOut(Schema):
    day: str
    collector: str | None
    entries: list[TraceEntryOut]


@router.get("/trace", response=TraceOut)
def trace(request: HttpRequest, query: Query[TraceIn]) -> dict[str, Any]:
    """The accounts to trace: those of the asker's book (or of `collector`'s accounts) that owe
    something and have no valid or unchecked phone or e-mail, largest balance (in the base
    currency) first, each with who works it and its contact points that were tried (status, when
    it changed, where it came from). A contact point found is added with its source on the
    account page or the tracing page."""
    if not can_work_account(request.user):
        raise HttpError(403, "tracing is for collectors, managers and admins")
    scope = scope_for(request.user)
    try:
        wanted = query.collector or ""
        if "\x00" in wanted or len(wanted) > 150:  # no username holds these
            raise NotFoundError(f"collector {wanted[:40]!r}: no active user has that username")
        person = collector_for(scope, wanted) if wanted else None
        queue = trace_queue(scope, collector=person)
    except NotFoundError as error:
        raise HttpError(404, str(error)) from None
    except AccessDeniedError as error:
        raise HttpError(403, str(error)) from None
    return trace_json(queue)
