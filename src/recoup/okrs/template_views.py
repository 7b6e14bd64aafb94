"""The template library page: the templates that can start right in the chosen cycle and team
(the others listed apart, with what they lack), and "create from template" with targets from the
team's own history. The objective is created through `services.plan_apply`; in a running cycle
its KPI-bound key results get their first reading at once, so none starts "outdated"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import yaml
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from recoup.accounts.access import can_change_okrs
from recoup.accounts.models import Team, User
from recoup.core.errors import RecoupError
from recoup.core.quantities import count_text
from recoup.okrs import services
from recoup.okrs.forms import PersonChoice
from recoup.okrs.models import Commitment, Cycle, KeyResult
from recoup.okrs.plan import plan_parse
from recoup.okrs.template_apply import TemplateOffer, template_offers, template_plan
from recoup.okrs.templates import template_get
from recoup.okrs.views import _cycle


class FromTemplateForm(forms.Form):
    template = forms.ChoiceField()
    cycle = forms.ModelChoiceField(
        queryset=Cycle.objects.order_by("-starts_on"), to_field_name="name"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        to_field_name="name",
        required=False,
        empty_label="(whole organisation)",
        help_text="Its KPIs are then read for this team's accounts only.",
    )
    owner = PersonChoice(empty_label="(me)")
    commitment = forms.ChoiceField(
        choices=Commitment.choices,
        help_text="Committed: targets your team reached about one cycle in four. Aspirational:"
        " your best cycles' pace.",
    )

    def __init__(self, *args: Any, offers: list[TemplateOffer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.template.id, o.template.title) for o in offers if o.offered]


def _create(form: FromTemplateForm, user: User) -> str:
    data = form.cleaned_data
    cycle: Cycle = data["cycle"]
    template = template_get(data["template"])
    assert template is not None  # the form only offers known templates
    team: Team | None = data["team"]
    owner: User = data["owner"] or user
    today = timezone.localdate()
    document = template_plan(
        template,
        cycle=cycle,
        team=team.name if team else "",
        owner=owner.username,
        commitment=data["commitment"],
        today=today,
    )
    plan = plan_parse(yaml.safe_dump(document, sort_keys=False), source="template")
    report = services.plan_apply(plan=plan, actor=user, via="web")
    created = KeyResult.objects.filter(objective__cycle=cycle, objective__key=template.id)
    if cycle.starts_on <= today <= cycle.ends_on:
        services.checkin_auto_run(today=today, cycle=cycle, key_results=created, via="web")
    return (
        f"“{template.title}” added to {report.cycle}: "
        f"{count_text(len(report.created), 'item')} created, targets from your history."
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def templates_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not can_change_okrs(request.user):
        raise PermissionDenied("Only managers and admins create objectives.")
    cycle = _cycle(request)
    team = request.GET.get("team", "").strip()
    if request.method == "POST":
        cycle = Cycle.objects.filter(name=request.POST.get("cycle", "")).first() or cycle
        team = request.POST.get("team", "").strip()
    if team and not Team.objects.filter(name=team).exists():
        raise Http404("No such team.")
    offers = (
        template_offers(cycle=cycle, team=team, today=timezone.localdate())
        if cycle is not None
        else []
    )
    initial = {"cycle": cycle.name if cycle else None, "team": team or None}
    form = FromTemplateForm(request.POST or None, initial=initial, offers=offers)
    if request.method == "POST" and form.is_valid() and isinstance(request.user, User):
        try:
            message = _create(form, request.user)
        except RecoupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, message)
            board = reverse("okrs:index")
            return redirect(f"{board}?{urlencode({'cycle': form.cleaned_data['cycle'].name})}")
    context = {
        "form": form,
        "cycle": cycle,
        "team": team,
        "offered": [o for o in offers if o.offered],
        "not_offered": [o for o in offers if not o.offered],
    }
    return render(
        request, "okrs/templates.html", context, status=422 if request.method == "POST" else 200
    )
