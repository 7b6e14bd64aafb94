from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from recoup.ledger.selectors import ledger_overview


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "ledger/overview.html", {"overview": ledger_overview()})
