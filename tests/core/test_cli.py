"""The `recoup` console script: one entry point, help everywhere, a real production server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

RECOUP = str(Path(sys.executable).with_name("recoup"))


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RECOUP, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def instance_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RECOUP_DATA_DIR"] = str(tmp_path / "var")
    return env


def test_help_lists_recoup_commands_with_their_public_names(instance_env: dict[str, str]) -> None:
    result = _run("--help", env=instance_env)
    assert result.returncode == 0, result.stderr
    own_section = result.stdout.split("Django commands:")[0]
    for command in ("serve", "worker", "demo-login"):
        assert f"  {command}\n" in own_section
    assert "migrate" in result.stdout.split("Django commands:")[1]


def test_every_recoup_command_answers_help(instance_env: dict[str, str]) -> None:
    for command in ("serve", "worker", "demo-login"):
        result = _run(command, "--help", env=instance_env)
        assert result.returncode == 0, (command, result.stderr)
        assert "usage: recoup" in result.stdout


def test_an_unknown_command_fails_with_a_message(instance_env: dict[str, str]) -> None:
    result = _run("no-such-command", env=instance_env)
    assert result.returncode != 0
    assert "Unknown command: 'no-such-command'" in result.stderr


def test_a_bad_port_is_refused_before_serving(instance_env: dict[str, str]) -> None:
    result = _run("serve", "--port", "70000", env=instance_env)
    assert result.returncode != 0
    assert "--port 70000" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_gunicorn_on_the_given_port_with_static_files(
    instance_env: dict[str, str],
) -> None:
    assert _run("migrate", "--noinput", "-v0", env=instance_env).returncode == 0
    login = _run("demo-login", env=instance_env)
    assert "login:  admin" in login.stdout
    port = _free_port()
    server = subprocess.Popen(
        [RECOUP, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=instance_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # A fresh instance first collects and compresses its static files (about 20 s on two
        # cores), then warms: this checks that it serves, not how fast it starts.
        deadline = time.monotonic() + 150
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/") as response:
                    body = response.read().decode()
                    headers = response.headers
                break
            except OSError:
                time.sleep(0.3)
        assert "Log in" in body
        assert "gunicorn" in headers.get("Server", "")
        assert "default-src 'self'" in headers.get("Content-Security-Policy", "")
        css = body.split('href="/static/admin/css/base.')[1].split('"')[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/admin/css/base.{css}") as r:
            assert r.status == 200
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirected:
            opener.open(f"http://127.0.0.1:{port}/")
        assert redirected.value.code == 302
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in output
    assert "warmed 1 dashboard and 1 time zone in" in output
    assert "the worklists use the scorecard fitted on" in output  # an empty ledger: no history


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
