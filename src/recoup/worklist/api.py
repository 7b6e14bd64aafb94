"""The worklist API (mounted at /api/worklist): a collector's list for the day, as the page and
`recoup worklist --format json` give it.

A session or a personal token. Collectors read their own list and their teammates'; managers
and admins anyone's; viewers none. Bad input (an instant without its offset, an unknown collector) answers
422 or 404 with a `detail` naming what is wrong; a collector outside the asker's teams 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from recoup.accounts.access import can_work_account
from recoup.accounts.api_auth import API_AUTH
from recoup.accounts.models import User
from recoup.accounts.scope import scope_for
from recoup.compliance.engine import CheckInputError
from recoup.compliance.inputs import parse_instant
from recoup.core.errors import AccessDeniedError, NotFoundError, RecoupError
from recoup.worklist.selectors import collector_for, worklist_for, worklist_json
from recoup.worklist.services import likelihood_current

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
