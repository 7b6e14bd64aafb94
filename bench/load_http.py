"""The load benchmark's client side: keep-alive HTTP connections with a session cookie or a
bearer token, the samples each route collects, and their percentiles.

Plain `http.client` in threads: no package beyond the standard library, one connection per
simulated user, reused for every request (keep-alive) as a browser does.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

TIMEOUT_S = 120.0
# gunicorn closes a kept-alive connection idle for 2 s (its `keepalive`): one idle longer than
# this is opened afresh before the next request, as a browser does when its own timer runs out.
# Nothing is sent twice, so a connection dropped under a request (a worker that died) is an error.
KEEPALIVE_S = 1.0


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One user's connection to the server: cookies kept, keep-alive reused."""

    def __init__(self, port: int, *, token: str = "") -> None:
        self.port = port
        self.token = token
        self.cookies: dict[str, str] = {}
        self.keepalive_s = KEEPALIVE_S
        self.reconnects = 0  # connections opened afresh after an idle spell
        self._conn: http.client.HTTPConnection | None = None
        self._used = 0.0

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        bearer: bool = False,
    ) -> Reply:
        sent = dict(headers or {})
        if bearer:
            sent["Authorization"] = f"Bearer {self.token}"
        elif self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self._conn is not None and time.monotonic() - self._used > self.keepalive_s:
            self.close()
            self.reconnects += 1
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_S)
        try:
            self._conn.request(method, path, body=body, headers=sent)
            response = self._conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        self._used = time.monotonic()
        reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        for raw in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        if response.will_close:
            self.close()
        return reply

    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    def post_form(self, path: str, fields: dict[str, str]) -> Reply:
        fields = {"csrfmiddlewaretoken": self.csrf(), **fields}
        return self.request(
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_file(self, path: str, fields: dict[str, str], name: str, content: bytes) -> Reply:
        boundary = uuid.uuid4().hex
        parts = [
            _part(boundary, f"form-data; name={_quoted(k)}", v.encode())
            for k, v in {"csrfmiddlewaretoken": self.csrf(), **fields}.items()
        ]
        disposition = f"form-data; name={_quoted('file')}; filename={_quoted(name)}"
        parts.append(_part(boundary, disposition, content, kind="text/csv"))
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            body=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def post_json(self, path: str, payload: object) -> Reply:
        return self.request(
            "POST",
            path,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            bearer=True,
        )


def _quoted(value: str) -> str:
    """A multipart header parameter as browsers write it (HTML's form-data encoding): between
    double quotes, with a quote or a line break in it percent-encoded."""
    escaped = value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    return '"' + escaped + '"'


def _part(boundary: str, disposition: str, body: bytes, *, kind: str = "") -> bytes:
    head = [f"--{boundary}", f"Content-Disposition: {disposition}"]
    if kind:
        head.append(f"Content-Type: {kind}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body + b"\r\n"


def log_in(port: int, username: str, password: str) -> Client:
    """A client holding a session of `username` (the log-in page's form, CSRF and all)."""
    client = Client(port)
    client.request("GET", "/login/")
    reply = client.post_form("/login/", {"username": username, "password": password})
    if reply.status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"log-in of {username} answered {reply.status}: {describe(reply)}")
    return client


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def describe(reply: Reply) -> str:
    """A short text saying what an unexpected answer was: its detail, title or first words."""
    text = reply.text()
    if reply.headers.get("content-type", "").startswith("application/json"):
        try:
            detail = json.loads(text).get("detail", text)
        except (ValueError, AttributeError):
            detail = text
        return f"{reply.status} {str(detail)[:160]}"
    if 300 <= reply.status < 400:
        return f"{reply.status} to {reply.headers.get('location', '?')}"
    found = re.search(r"<title>(.*?)</title>", text, re.S)
    errors = re.search(r'class="[^"]*(?:errorlist|error|alert)[^"]*"[^>]*>(.*?)</', text, re.S)
    match = errors or found
    words = match.group(1) if match is not None else text
    return f"{reply.status} {_SPACE.sub(' ', _TAG.sub(' ', words)).strip()[:160]}"


@dataclass
class Route:
    """What one kind of request measures, and the answers that count as right."""

    name: str
    kind: str  # "static", "page", "api" or "write"
    expect: frozenset[int] = frozenset({200})
    started: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    ok: list[bool] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, started: float, seconds: float, *, status: int, error: str = "") -> None:
        with self.lock:
            self.started.append(started)
            self.seconds.append(seconds)
            self.ok.append(not error)
            self.statuses[status] += 1
            if error:
                self.errors[error] += 1

    def call(self, send: object) -> Reply | None:
        """Time `send()` (a request), record it and return its reply (None on an exception)."""
        started = time.perf_counter()
        try:
            reply: Reply = send()  # type: ignore[operator]
        except Exception as error:
            self.record(started, time.perf_counter() - started, status=0, error=_exc(error))
            return None
        took = time.perf_counter() - started
        wrong = "" if reply.status in self.expect else describe(reply)
        self.record(started, took, status=reply.status, error=wrong)
        return reply

    def summary(self, window: tuple[float, float] | None = None) -> dict[str, object]:
        """Counts and latency percentiles, of the requests started inside `window` if given."""
        with self.lock:
            rows = list(zip(self.started, self.seconds, self.ok, strict=True))
        if window is not None:
            rows = [r for r in rows if window[0] <= r[0] <= window[1]]
        times = sorted(r[1] for r in rows)
        span = (max(r[0] + r[1] for r in rows) - min(r[0] for r in rows)) if rows else 0.0
        return {
            "requests": len(rows),
            "errors": sum(1 for r in rows if not r[2]),
            "p50_ms": percentile(times, 50) * 1000 if times else None,
            "p95_ms": percentile(times, 95) * 1000 if times else None,
            "p99_ms": percentile(times, 99) * 1000 if times else None,
            "max_ms": times[-1] * 1000 if times else None,
            "per_s": len(rows) / span if span > 0 else 0.0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "first_errors": self.error_texts(),
        }

    def error_texts(self) -> list[str]:
        """The first few distinct wrong answers, most frequent first, with their counts."""
        with self.lock:
            return [f"{n}x {text}" for text, n in self.errors.most_common(3)]


def _exc(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:200]


def percentile(ordered: list[float], pct: float) -> float:
    """The nearest-rank percentile of an already sorted list."""
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]
