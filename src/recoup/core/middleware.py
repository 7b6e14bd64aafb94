"""Refuses text holding a NUL character before any view sees it.

PostgreSQL cannot store or even compare a NUL in text (psycopg raises before the query runs), and
no person types one: it comes from a fuzzer, a broken client or a file mistaken for text. So a
request whose address, query or form or JSON body holds one answers 400 (422 with a `detail` in
the API), naming where, instead of failing deep inside a lookup with a server error. Uploaded
files are read by the importer, which reports NULs row by row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

NUL = "\x00"


class NulTextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = _first_nul(request)
        if where is None:
            return self.get_response(request)
        message = f"{where} holds a NUL character, which is not text"
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=422)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _first_nul(request: HttpRequest) -> str | None:
    if NUL in request.path:
        return "the address"
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in v for v in values):
            return f"query parameter {name!r}"
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        for name, values in request.POST.lists():
            if NUL in name or any(NUL in v for v in values):
                return f"form field {name!r}"
    elif content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            return None  # not JSON: the API answers that itself
        for path in _nul_paths(body, "body"):
            return path
    return None


def _nul_paths(value: Any, path: str) -> Iterator[str]:
    """Where in a decoded JSON document a text (a value or a key) holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield f"{path} key {key!r}"
            yield from _nul_paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}[{index}]")
