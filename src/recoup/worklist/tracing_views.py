"""The tracing page: the accounts of the asker's book that no working phone or e-mail reaches,
largest balance first, each with what was tried and a form to record a contact point found for
it with where it was found (`recoup.worklist.tracing`). Recording goes through the workspace's
`contact_point_add`, with the same rights as the account page's "Add a contact point"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from recoup.accounts.models import User
from recoup.accounts.names import person_name
from recoup.accounts.scope import scope_for
from recoup.core.errors import AccessDeniedError, NotFoundError
from recoup.ledger.models import Customer
from recoup.ledger.selectors import customers_in_scope
from recoup.worklist.selectors import collector_for, collectors_visible
from recoup.worklist.tracing import trace_queue
from recoup.worklist.views import work_required
from recoup.workspace.forms import ContactPointFoundForm
from recoup.workspace.services.common import WorkspaceError
from recoup.workspace.services.contacts import contact_point_add

# The largest id a database integer holds: a longer one is nobody, not a server error.
LARGEST_ID = 2**63 - 1


def _collector(request: HttpRequest, username: str) -> User | None:
    """The collector whose accounts are asked for; None (every account the asker may see) when
    nobody is named."""
    if not username:
        return None
    if "\x00" in username or len(username) > 150:  # no username holds these
        raise Http404(f"collector {username[:40]!r}: no active user has that username")
    try:
        return collector_for(scope_for(request.user), username)
    except NotFoundError as error:
        raise Http404(str(error)) from error
    except AccessDeniedError as error:
        raise PermissionDenied(str(error)) from error


def _form(customer_id: int, data: Any = None) -> ContactPointFoundForm:
    return ContactPointFoundForm(data, prefix=f"found-{customer_id}")


def _context(
    request: HttpRequest,
    collector: User | None,
    *,
    failed: tuple[Customer, ContactPointFoundForm] | None = None,
) -> dict[str, Any]:
    scope = scope_for(request.user)
    queue = trace_queue(scope, collector=collector)
    failed_id = failed[0].pk if failed else None
    rows = [
        (e, failed[1] if failed and e.customer_id == failed_id else _form(e.customer_id))
        for e in queue.entries
    ]
    return {
        "queue": queue,
        "rows": rows,
        # A refused form for an account no longer in the queue is shown above it.
        "failed": failed
        if failed and failed_id not in {e.customer_id for e in queue.entries}
        else None,
        "collectors": [(c.username, person_name(c)) for c in collectors_visible(scope)],
        "chosen": collector.username if collector else "",
        "chosen_name": person_name(collector) if collector else "",
    }


@require_safe
@work_required
def trace_page(request: HttpRequest) -> HttpResponse:
    collector = _collector(request, request.GET.get("collector", "").strip())
    return render(request, "worklist/trace.html", _context(request, collector))


@require_http_methods(["POST"])
@work_required
def trace_found_action(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Records a phone or e-mail found for an account, with where it was found; back to the
    queue, which the account has left."""
    scope = scope_for(request.user)
    customer = (
        customers_in_scope(scope).filter(pk=customer_id).first()
        if customer_id <= LARGEST_ID
        else None
    )
    if customer is None:
        raise Http404(f"customer {customer_id} not found")
    try:
        collector = _collector(request, request.POST.get("collector", "").strip())
    except (Http404, PermissionDenied):
        collector = None  # a filter gone stale is no reason to refuse what was found
    form = _form(customer.pk, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        actor = request.user if isinstance(request.user, User) else None
        try:
            point = contact_point_add(
                actor=actor,
                customer=customer,
                kind=data["kind"],
                value=data["value"],
                source=data["source"],
                source_note=data["source_note"],
                via="web",
            )
        except WorkspaceError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        except NotFoundError as error:
            raise Http404(str(error)) from error
        except AccessDeniedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            messages.success(
                request,
                f"{point.get_kind_display()} {point.value} recorded for {customer.name} "
                f"({point.get_source_display().lower()}); the account has left this queue.",
            )
            back = reverse("worklist:trace")
            if collector is not None:
                back += "?" + urlencode({"collector": collector.username})
            return redirect(back)
    context = _context(request, collector, failed=(customer, form))
    return render(request, "worklist/trace.html", context, status=422)
