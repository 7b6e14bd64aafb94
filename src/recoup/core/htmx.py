"""Small helpers for pages that answer both full-page and htmx requests."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """True for a request htmx sent; it then wants a fragment, not the whole page.

    Boosted requests (`hx-boost`) want the whole page, so they do not count.
    """
    return (
        request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
    )
