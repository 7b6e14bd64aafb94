"""Ledger pages: what the ledger holds, and the customers a user may see. One customer's page
is the account workspace (`recoup.workspace`), served at /ledger/customers/<id>/."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from recoup.accounts.scope import scope_for
from recoup.ledger.selectors import customer_search, ledger_overview

CUSTOMERS_PER_PAGE = 50


@require_safe
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request, "ledger/overview.html", {"overview": ledger_overview(scope_for(request.user))}
    )


@require_safe
@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(
        customer_search(scope_for(request.user), query=query), CUSTOMERS_PER_PAGE
    ).get_page(request.GET.get("page"))
    template = "ledger/customers.html"
    if request.headers.get("HX-Request") == "true":
        template += "#customer-results"
    return render(request, template, {"page": page, "query": query})
