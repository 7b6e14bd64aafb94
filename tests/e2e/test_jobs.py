"""`recoup serve` runs the background worker and its scheduler: started for real on a fresh
embedded database, its worker is seen running a scheduled job (the daily judgement, missed today
and so due at once) on the admin's Jobs page, which is then photographed at both widths. The
test stops the server it started, and the server its worker."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import BrowserWatch, shots_at_both_widths

RECOUP = str(Path(sys.executable).with_name("recoup"))
JOB = "Daily judgement of promises and payment plans"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RECOUP_DATA_DIR"] = str(tmp_path / "var")
    env["RECOUP_SCHEDULE_CHECK_SECONDS"] = "1"
    run = lambda *args: subprocess.run(  # noqa: E731
        [RECOUP, *args], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    run("migrate", "--noinput", "-v0")
    password = re.search(r"password: (\S+)", run("demo-login").stdout)
    assert password is not None
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [RECOUP, "serve", "--port", str(port), "--workers", "1", "--no-warm"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/login/", timeout=5).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "the server did not answer in 90 s"
                time.sleep(0.3)
        yield url, password.group(1)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    output = (tmp_path / "serve.log").read_text()
    # The worker stopped with the server: no process of this data directory is left.
    left = subprocess.run(["pgrep", "-f", "--", f"stop-with {server.pid}$"], capture_output=True)
    assert left.returncode == 1, f"a worker outlived its server ({left.stdout!r}):\n{output}"


def test_the_worker_of_recoup_serve_runs_a_scheduled_job(
    browser: Browser, served: tuple[str, str], screenshot: Callable[[Page, str], Path]
) -> None:
    url, password = served
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    watch = BrowserWatch()
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("console", watch.console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    try:
        page.goto("/login/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/$|/[^l][^/]*/"))
        page.goto("/settings/")
        page.get_by_role("link", name="Jobs").click()
        runs = page.get_by_role("region", name="Runs")
        deadline = time.monotonic() + 90
        seen = ""
        while time.monotonic() < deadline:
            row = runs.get_by_role("row").filter(has_text=JOB)
            seen = runs.inner_text()
            if row.count() and "Succeeded" in row.first.inner_text():
                break
            time.sleep(1)
            page.reload()
        else:
            pytest.fail(f"the worker ran no {JOB!r} in 90 s; the Runs section read:\n{seen}")
        schedule = page.get_by_role("region", name="Schedule")
        judged = schedule.get_by_role("row").filter(has_text=JOB)
        assert "Succeeded" in judged.inner_text()
        assert re.search(r"\d{4}, 05:15", judged.inner_text())  # tomorrow's run is queued
        shots_at_both_widths(page, screenshot, "jobs-page")

        # Run now: queued, then run by the same worker.
        cleanup = schedule.get_by_role("row").filter(has_text="Clean up what stopped imports")
        cleanup.get_by_role("button", name=re.compile("Run now")).click()
        page.get_by_text("queued; the worker starts it within seconds").wait_for()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = (
                page.get_by_role("region", name="Runs")
                .get_by_role("row")
                .filter(has_text="Clean up what stopped imports")
            )
            if row.count() and "Succeeded" in row.first.inner_text():
                break
            time.sleep(1)
            page.reload()
        else:
            pytest.fail("the worker did not run the clean-up queued with Run now in 60 s")
    finally:
        context.close()
    watch.check()
