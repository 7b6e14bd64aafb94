"""Ledger pages: what the ledger holds, and the customers a user may see. One customer's page
is the account workspace (`recoup.workspace`), served at /ledger/customers/<id>/."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet, Value
from django.db.models.functions import NullIf
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from recoup.accounts.scope import scope_for
from recoup.core.exports import (
    Column,
    ExportError,
    Kind,
    Sort,
    bad_request,
    export_links,
    export_response,
    order_empties_last,
    sort_headers,
    sort_parse,
)
from recoup.ledger.models import Customer
from recoup.ledger.selectors import customer_search, ledger_overview

CUSTOMERS_PER_PAGE = 50
EXPORT_CHUNK = 2000
# Sort key → the fields it orders by; nothing else from the request reaches `order_by`.
CUSTOMER_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "external_id": ("external_id",),
    "segment": ("segment_or_blank", "name"),
    "country": ("country_or_blank", "name"),
    "invoices": ("invoice_count",),
}
BLANK_LAST = frozenset({"segment_or_blank", "country_or_blank"})
# (header, sort key, numeric): the page's columns, in the page's order.
CUSTOMER_HEADERS = (
    ("Customer", "name", False),
    ("External id", "external_id", False),
    ("Segment", "segment", False),
    ("Country", "country", False),
    ("Invoices", "invoices", True),
)
CUSTOMER_COLUMNS: tuple[Column[Customer], ...] = (
    Column("Customer", lambda c: c.name),
    Column("External id", lambda c: c.external_id),
    Column("Segment", lambda c: c.segment),
    Column("Country", lambda c: c.country),
    Column("Invoices", lambda c: c.invoice_count, Kind.NUMBER),  # type: ignore[attr-defined]
)


@require_safe
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request, "ledger/overview.html", {"overview": ledger_overview(scope_for(request.user))}
    )


def _customers(request: HttpRequest) -> tuple[QuerySet[Customer], str, Sort]:
    """The customers the page shows, searched and sorted as asked: the page and its downloads
    read this one queryset, so a download holds exactly what the page lists."""
    query = request.GET.get("q", "").strip()[:100]
    sort = sort_parse(request.GET.get("sort"), CUSTOMER_SORTS, "name")
    # A blank segment or country is null here, so it sorts last whichever way round.
    found = (
        customer_search(scope_for(request.user), query=query)
        .annotate(
            segment_or_blank=NullIf("segment", Value("")),
            country_or_blank=NullIf("country", Value("")),
        )
        .order_by(*order_empties_last(sort, BLANK_LAST), "id")
    )
    return found, query, sort


@require_safe
@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    try:
        customers, query, sort = _customers(request)
    except ExportError as error:
        return bad_request(error)
    page = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    template = "ledger/customers.html"
    if request.headers.get("HX-Request") == "true":
        template += "#customer-results"
    context = {
        "page": page,
        "query": query,
        "sort": sort.param,
        "headers": sort_headers(sort, request.GET, CUSTOMER_HEADERS),
        "downloads": export_links(reverse("ledger:customers_export"), request.GET),
    }
    return render(request, template, context)


@require_safe
@login_required
def customer_export(request: HttpRequest) -> HttpResponseBase:
    """The customers page as CSV or XLSX (`?format=`), with its search and sort."""
    try:
        customers, _, _ = _customers(request)
        return export_response(
            name="customers",
            fmt=request.GET.get("format", "csv"),
            columns=CUSTOMER_COLUMNS,
            rows=customers.iterator(chunk_size=EXPORT_CHUNK),
        )
    except ExportError as error:
        return bad_request(error)
