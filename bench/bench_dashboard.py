"""The dashboard page's server time on the demo ledger, beside the KPI work it stands on.

    .venv/bin/python -m bench dashboard --invoices 20000

Generates the demo ledger (`recoup demo-data`) in a temporary directory, then:
1. first page after a start, through a real server (`recoup serve`, one worker), logged in as the
   demo admin, the analytics copy deleted first (as `make run` leaves it after loading the demo
   data): with `--no-warm` (the copy synced and every query compiled by the first request) and as
   served by default (synced and computed before serving); then the same page again, warm;
2. in a child process set up on that instance, GET / for a manager through Django's test client:
   computed (the page cache empty, the process warm) and warm (answered from the cache after one
   ledger-fingerprint query: the goal is <= 300 ms); then the same for a collector, whose every
   query the compiler narrows to their book;
3. baseline, the floor: the KPI engine calls the page makes (one series, three grouped queries)
   on an already open engine, without Django, templates or the cache.
Each in-process figure is the median of `--repeat` runs; the first page after a start is one run
per start, `--repeat` starts.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

GOAL_MS = 300
RECOUP = str(Path(sys.executable).parent / "recoup")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RECOUP_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "recoup.settings"
    return env


def _run(data_dir: Path, *args: str) -> None:
    done = subprocess.run([RECOUP, *args], env=_env(data_dir), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"recoup {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.0f} ms"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _first_page_after_start(data_dir: Path, password: str, *, warm: bool) -> tuple[float, float]:
    """Starts `recoup serve`, logs in as admin, times GET / twice: (first, second) seconds."""
    (data_dir / "analytics.duckdb").unlink(missing_ok=True)
    port = _free_port()
    args = [RECOUP, "serve", "--port", str(port), "--workers", "1"]
    server = subprocess.Popen(
        [*args] if warm else [*args, "--no-warm"],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        stay = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        deadline = time.monotonic() + 300
        while True:
            try:
                form = opener.open(f"{base}/login/").read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token is not None
        fields = {"csrfmiddlewaretoken": token.group(1), "username": "admin", "password": password}
        # Not following the log-in's redirect: it leads to the page to be timed.
        try:
            stay.open(f"{base}/login/", urllib.parse.urlencode(fields).encode()).read()
        except urllib.error.HTTPError as redirect:
            if redirect.code != 302:
                raise
        else:
            raise AssertionError("the log-in did not redirect: wrong password?")
        times = []
        for _ in range(2):
            started = time.perf_counter()
            with opener.open(f"{base}/") as response:
                body = response.read().decode()
            times.append(time.perf_counter() - started)
            assert 'id="tile-ar_total"' in body, "not the dashboard: did the log-in fail?"
        return times[0], times[1]
    finally:
        server.terminate()
        server.wait(timeout=30)


def child(repeat: int) -> None:
    """Runs inside the instance: Django set up on RECOUP_DATA_DIR."""
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    from recoup.accounts.models import Role, User
    from recoup.accounts.scope import Scope
    from recoup.metrics.evaluate import months_before
    from recoup.metrics.selectors import metric_query, metric_series
    from recoup.web.dashboard import BREAKDOWN_METRICS, TILE_METRICS, TREND_METRICS, kpi_engine

    manager = User.objects.filter(role=Role.MANAGER).first() or User.objects.get(username="admin")
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    collector = User.objects.filter(role=Role.COLLECTOR, is_active=True).order_by("id").first()
    assert collector is not None

    def page_times(user: User) -> tuple[list[float], list[float]]:
        client = Client()
        client.force_login(user)
        cold, warm = [], []
        for _ in range(repeat):
            cache.clear()
            started = time.perf_counter()
            assert client.get("/").status_code == 200
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert client.get("/").status_code == 200
            warm.append(time.perf_counter() - started)
        return cold, warm

    with override_settings(STORAGES=plain_static, ALLOWED_HOSTS=["testserver"]):
        cold, warm = page_times(manager)
        # A collector's page counts their book only: the compiler narrows every query to it.
        book_cold, book_warm = page_times(collector)
    floor = []
    everything = Scope.organisation("bench dashboard")
    with kpi_engine() as engine:
        day = engine.freshness().data_as_of
        assert day is not None
        start = months_before(day, 12).replace(day=1)
        for _ in range(repeat):
            started = time.perf_counter()
            metric_series(
                scope=everything,
                metrics=sorted(set(TILE_METRICS) | set(TREND_METRICS)),
                start=start,
                end=day,
                grain="month",
                engine=engine,
            )
            metric_query(
                scope=everything,
                metrics=["ar_by_bucket"],
                as_of=day,
                dims=["bucket"],
                engine=engine,
            )
            for dim in ("team", "collector"):
                metric_query(
                    scope=everything,
                    metrics=list(BREAKDOWN_METRICS),
                    as_of=day,
                    dims=[dim],
                    engine=engine,
                )
            floor.append(time.perf_counter() - started)
    print(f"in process, GET / warm (cached)       {_median_ms(warm)}   goal <= {GOAL_MS} ms")
    print(f"in process, GET / computed            {_median_ms(cold)}   (page cache empty)")
    print(f"  a collector's book, warm (cached)   {_median_ms(book_warm)}   goal <= {GOAL_MS} ms")
    print(f"  a collector's book, computed        {_median_ms(book_cold)}   (page cache empty)")
    print(f"baseline: the KPI engine calls alone  {_median_ms(floor)}   (open engine, no page)")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench dashboard")
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.repeat)
        return
    folder = Path(tempfile.mkdtemp(prefix="recoup-bench-dashboard-"))
    try:
        started = time.perf_counter()
        _run(folder, "migrate", "-v0")
        _run(
            folder,
            "demo-data",
            "--invoices",
            str(args.invoices),
            "--seed",
            "1",
            "--as-of",
            "2026-09-30",
        )
        print(
            f"demo ledger of {args.invoices:,} invoices in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        login = subprocess.run(
            [RECOUP, "demo-login"], env=_env(folder), capture_output=True, text=True, check=True
        )
        found = re.search(r"password: (\S+)", login.stdout)
        assert found is not None, login.stdout
        for warm in (False, True):
            runs = [
                _first_page_after_start(folder, found.group(1), warm=warm)
                for _ in range(args.repeat)
            ]
            label = "served warm (default)" if warm else "served lazily (--no-warm)"
            print(
                f"first GET / after a start, {label:<26}{_median_ms([r[0] for r in runs])}"
                f"   then {_median_ms([r[1] for r in runs]).strip()}",
                flush=True,
            )
        subprocess.run(
            [sys.executable, "-m", "bench", "dashboard", "--child", "--repeat", str(args.repeat)],
            env=_env(folder),
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
