"""Keeps a person whose password an admin reset on the password page until they choose their own.

The temporary password was seen by the admin, so it must not become a lasting way in. Logging
out and the page's own assets stay open; the API answers 403 with a reason, as a program cannot
follow a redirect to a form. Requests authenticated by an API token are not held: the token is
the person's own and was never seen by the admin.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from recoup.accounts.models import User

MUST_CHANGE_MESSAGE = "Choose a new password first: yours was reset by an admin."


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.must_change_password:
            held = self._hold(request)
            if held is not None:
                return held
        return self.get_response(request)

    def _hold(self, request: HttpRequest) -> HttpResponse | None:
        change = reverse("web:password_change")
        open_paths = (change, reverse("web:logout"), reverse("web:login"))
        if request.path in open_paths or request.path.startswith(_static_prefix()):
            return None
        if request.path.startswith(reverse("api:api-root")):
            return JsonResponse({"detail": MUST_CHANGE_MESSAGE}, status=403)
        return HttpResponseRedirect(change)


def _static_prefix() -> str:
    url = str(settings.STATIC_URL)
    return url if url.startswith("/") else f"/{url}"
