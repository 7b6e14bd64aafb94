"""Compliance pages: the record checks' findings for a period (the asker's book), and the
contact rules in force (everyone reads them; admins change them with `recoup compliance`)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from recoup.accounts.scope import scope_for
from recoup.compliance.findings import FINDING_TITLES, findings_list
from recoup.compliance.models import Rule
from recoup.core.dates import parse_input_date
from recoup.core.errors import InputDateError
from recoup.ledger.selectors import customers_in_scope

# The page shows this many findings; the CLI and the API give them all.
SHOWN = 500
MAX_DAYS = 92


@require_safe
@login_required
def findings(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    errors: list[str] = []
    start, end = today - timedelta(days=6), today
    try:
        if request.GET.get("from"):
            start = parse_input_date(request.GET["from"], what="From")
        if request.GET.get("to"):
            end = parse_input_date(request.GET["to"], what="To")
    except InputDateError as exc:
        errors.append(str(exc))
    if not errors and start > end:
        errors.append(f"From ({start:%d %B %Y}) is after To ({end:%d %B %Y}).")
    if not errors and (end - start).days >= MAX_DAYS:
        errors.append(f"Choose a period of at most {MAX_DAYS} days.")
    report = None
    if not errors:
        report = findings_list(scope_for(request.user), date_from=start, date_to=end)
    context = {
        "errors": errors,
        "start": start,
        "end": end,
        "report": report,
        "shown": report.findings[:SHOWN] if report else [],
        "limit": SHOWN,
        "titles": FINDING_TITLES,
        "counts": [(FINDING_TITLES[k], v) for k, v in sorted(report.counts().items())]
        if report
        else [],
    }
    return render(request, "compliance/findings.html", context, status=422 if errors else 200)


@require_safe
@login_required
def rules(request: HttpRequest) -> HttpResponse:
    visible = customers_in_scope(scope_for(request.user)).values("id")
    rows = (
        Rule.objects.select_related("team", "customer")
        .filter(Q(customer__isnull=True) | Q(customer_id__in=visible))
        .order_by("code", "scope", "id")
    )
    return render(request, "compliance/rules.html", {"rules": rows})
