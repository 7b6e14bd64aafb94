"""The load benchmark's client (`bench/load_http.py`) against a small stdlib server on 127.0.0.1:
what counts as an error, the text shown for it, and a kept-alive connection the server closed.

The whole benchmark (`python -m bench load`) needs a demo ledger and `recoup serve` (about 45 s
at its smallest), more than CI affords: these check the part that decides its figures."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from bench.load_http import Client, Route, percentile


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn answers

    def do_GET(self) -> None:
        answers = {
            "/ok": (200, "text/plain", b"fine", {}),
            "/boom": (500, "text/html", b"<title>Server Error (500)</title>", {}),
            "/away": (302, "text/html", b"", {"Location": "/login/?next=/"}),
            "/json": (422, "application/json", json.dumps({"detail": "bad as_of"}).encode(), {}),
            "/bye": (200, "text/plain", b"last", {"Connection": "close"}),
            "/cookie": (200, "text/plain", b"", {"Set-Cookie": "sessionid=abc; HttpOnly"}),
            "/drop": (200, "text/plain", b"idle", {}),
        }
        status, kind, body, extra = answers[self.path]
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Cookie", self.headers.get("Cookie", ""))
        self.send_header("X-Client-Port", str(self.client_address[1]))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        # As a server whose keep-alive timeout ran out: closed without saying so.
        self.close_connection = self.path == "/drop"

    def do_POST(self) -> None:
        """Answers the parts of a multipart form as JSON, parsed as a mail parser reads them."""
        body = self.rfile.read(int(self.headers["Content-Length"]))
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        parts = [
            {
                "name": part.get_param("name", header="content-disposition"),
                "filename": part.get_filename(),
                "type": part.get_content_type(),
                "body": part.get_content(),
            }
            for part in message.iter_parts()
        ]
        answer = json.dumps({"parts": parts, "defects": len(message.defects)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_only_the_expected_status_is_right_and_errors_say_what_came_back(port: int) -> None:
    route = Route("page", "page")
    client = Client(port)
    for path in ("/ok", "/ok", "/boom", "/away", "/json"):
        route.call(lambda p=path: client.request("GET", p))
    summary = route.summary()
    assert summary["requests"] == 5
    assert summary["errors"] == 3
    assert summary["statuses"] == {"200": 2, "302": 1, "422": 1, "500": 1}
    assert sorted(route.errors) == [
        "302 to /login/?next=/",
        "422 bad as_of",
        "500 Server Error (500)",
    ]


def test_a_refused_connection_is_an_error_with_its_reason(port: int) -> None:
    route = Route("api", "api")
    client = Client(port)
    client.request("GET", "/ok")
    client.close()
    client.port = 1  # nothing listens on port 1 of 127.0.0.1
    assert route.call(lambda: client.request("GET", "/ok")) is None
    assert route.summary()["errors"] == 1
    assert next(iter(route.errors)).startswith("ConnectionRefusedError")


def test_a_connection_the_server_closed_is_opened_again_and_cookies_are_kept(port: int) -> None:
    client = Client(port)
    assert client.request("GET", "/cookie").status == 200
    assert client.cookies == {"sessionid": "abc"}
    # The server closes after this answer; the next request goes out on a new connection.
    assert client.request("GET", "/bye").body == b"last"
    reply = client.request("GET", "/ok")
    assert reply.status == 200
    assert reply.headers["x-cookie"] == "sessionid=abc"
    assert client.reconnects == 0


def test_a_connection_dropped_under_a_request_is_an_error_and_not_sent_again(port: int) -> None:
    route = Route("page", "page")
    client = Client(port)
    route.call(lambda: client.request("GET", "/drop"))
    # The server closed it without a word (as a worker that died): the next request fails.
    assert route.call(lambda: client.request("GET", "/ok")) is None
    summary = route.summary()
    assert (summary["requests"], summary["errors"]) == (2, 1)
    assert next(iter(route.errors)).startswith(("RemoteDisconnected", "ConnectionResetError"))
    assert client.reconnects == 0
    # The one after goes out on a new connection.
    assert route.call(lambda: client.request("GET", "/ok")) is not None


def test_a_connection_idle_past_the_keep_alive_is_opened_afresh_first(port: int) -> None:
    client = Client(port)
    client.keepalive_s = 0.2
    first = client.request("GET", "/ok").headers["x-client-port"]
    assert client.request("GET", "/ok").headers["x-client-port"] == first
    time.sleep(0.3)
    route = Route("page", "page")
    reply = route.call(lambda: client.request("GET", "/drop"))
    assert reply is not None
    assert reply.headers["x-client-port"] != first
    assert client.reconnects == 1
    # Idle past it again after the server's silent close: opened afresh, not an error.
    time.sleep(0.3)
    route.call(lambda: client.request("GET", "/ok"))
    assert route.summary()["errors"] == 0
    assert client.reconnects == 2


def test_percentiles_are_nearest_rank() -> None:
    ordered = [float(n) for n in range(1, 101)]
    assert percentile(ordered, 50) == 50.0
    assert percentile(ordered, 95) == 95.0
    assert percentile(ordered, 99) == 99.0
    assert percentile([7.0], 99) == 7.0


def test_summary_percentiles_and_errors_count_each_request_once_and_keep_to_the_window() -> None:
    route = Route("api", "api")
    # Started at second n, taking n ms; every tenth one a wrong answer.
    for n in range(1, 101):
        route.record(
            float(n), n / 1000, status=500 if n % 10 == 0 else 200, error="x" * (n % 10 == 0)
        )
    whole = route.summary()
    assert (whole["requests"], whole["errors"]) == (100, 10)
    assert (whole["p50_ms"], whole["p95_ms"], whole["p99_ms"], whole["max_ms"]) == pytest.approx(
        (50.0, 95.0, 99.0, 100.0)
    )
    # From the first start to the last end: 100 requests over 99.1 s.
    assert whole["per_s"] == pytest.approx(100 / 99.1)
    assert whole["statuses"] == {"200": 90, "500": 10}
    assert whole["first_errors"] == ["10x x"]
    inside = route.summary((81.0, 100.0))
    assert (inside["requests"], inside["errors"]) == (20, 2)
    assert (inside["p50_ms"], inside["p95_ms"], inside["max_ms"]) == pytest.approx(
        (90.0, 99.0, 100.0)
    )
    assert route.summary((500.0, 600.0))["p95_ms"] is None


def test_a_file_upload_is_a_multipart_form_a_parser_reads_back_exactly(port: int) -> None:
    client = Client(port)
    client.cookies["csrftoken"] = "tok"
    content = b'external_id,customer\r\nA-1,"C, Ltd"\r\n'
    name = 'acts "q3"\r\n.csv'
    reply = client.post_file("/upload", {"kind": "activities", "mapping": ""}, name, content)
    answer = json.loads(reply.body)
    assert answer["defects"] == 0
    assert answer["parts"] == [
        {"name": "csrfmiddlewaretoken", "filename": None, "type": "text/plain", "body": "tok"},
        {"name": "kind", "filename": None, "type": "text/plain", "body": "activities"},
        {"name": "mapping", "filename": None, "type": "text/plain", "body": ""},
        {
            "name": "file",
            "filename": "acts %22q3%22%0D%0A.csv",
            "type": "text/csv",
            "body": content.decode(),
        },
    ]
