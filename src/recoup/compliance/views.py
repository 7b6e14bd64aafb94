"""Compliance pages: the record checks' findings for a period (the asker's book), and the
contact rules in force (everyone reads them; admins add and change them here or with
`recoup compliance rule`)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from recoup.accounts.access import can_change_contact_rules, permission_required
from recoup.accounts.scope import scope_for
from recoup.compliance.findings import FINDING_TITLES, findings_list
from recoup.compliance.forms import PARAMS, RuleForm, params_initial, params_words
from recoup.compliance.models import Rule, RuleKind
from recoup.compliance.rules import EVALUATORS, RuleParamError
from recoup.compliance.services import rule_save
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
    listed = [(rule, params_words(rule.kind, rule.params)) for rule in rows]
    return render(request, "compliance/rules.html", {"rules": listed})


def _rule_form_page(request: HttpRequest, form: RuleForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "compliance/rule_form.html",
        {"form": form, "rule": form.rule, "kind": RuleKind(form.kind)},
        status=status,
    )


def _save_from(request: HttpRequest, form: RuleForm) -> HttpResponse:
    """Saves a valid form through the service; the evaluator's refusal of a parameter is shown
    on the form (422), like any other field error."""
    if not form.is_valid():
        return _rule_form_page(request, form, status=422)
    data, rule = form.cleaned_data, form.rule
    try:
        saved = rule_save(
            actor=request.user,  # type: ignore[arg-type]
            code=rule.code if rule else data["code"],
            name=data["name"],
            kind=form.kind,
            params=form.params(),
            severity=data["severity"],
            team=rule.team if rule else data["team"],
            customer=rule.customer if rule else data["customer_row"],
            active=data["active"],
            source=data["source"],
            via="web",
        )
    except RuleParamError as exc:
        form.add_error(None, str(exc))
        return _rule_form_page(request, form, status=422)
    verb = "changed" if rule else "added"
    messages.success(request, f"Rule \u201c{saved.name}\u201d {verb}.")
    return redirect("compliance:rules")


@require_http_methods(["GET", "POST"])
@permission_required(can_change_contact_rules)
def rule_new(request: HttpRequest) -> HttpResponse:
    """Choose a kind of rule, then fill in its form."""
    kind = request.GET.get("kind", "")
    if kind not in EVALUATORS:
        if request.method == "POST" or kind:
            return render(
                request,
                "compliance/rule_kinds.html",
                {"kinds": RuleKind, "unknown": kind},
                status=400,
            )
        return render(request, "compliance/rule_kinds.html", {"kinds": RuleKind})
    if request.method == "POST":
        return _save_from(request, RuleForm(request.POST, kind=kind))
    defaults = params_initial(kind, _default_params(kind))
    return _rule_form_page(request, RuleForm(kind=kind, initial=defaults))


def _default_params(kind: str) -> dict[str, object]:
    """The evaluator's defaults, where it has them for every parameter."""
    try:
        return EVALUATORS[kind].parse({})
    except RuleParamError:
        return {}


@require_http_methods(["GET", "POST"])
@permission_required(can_change_contact_rules)
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule.objects.select_related("team", "customer"), pk=rule_id)
    if rule.kind not in PARAMS:
        raise Http404("no such rule")
    if request.method == "POST":
        return _save_from(request, RuleForm(request.POST, kind=rule.kind, rule=rule))
    initial = {
        "name": rule.name,
        "code": rule.code,
        "for_whom": f"team:{rule.team_id}"
        if rule.team_id
        else "customer"
        if rule.customer_id
        else "everyone",
        "customer": rule.customer.external_id if rule.customer else "",
        "severity": rule.severity,
        "active": rule.active,
        "source": rule.source,
        **params_initial(rule.kind, rule.params),
    }
    return _rule_form_page(request, RuleForm(kind=rule.kind, rule=rule, initial=initial))
