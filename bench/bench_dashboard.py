"""The dashboard page's server time on the demo ledger, beside the KPI work it stands on.

    .venv/bin/python -m bench dashboard --invoices 20000

Generates the demo ledger (`recoup demo-data`) in a temporary directory, then, in a child process
set up on that instance, times GET / for a manager through Django's test client:
1. cold: the page cache empty, the KPI engine's analytics copy synced, every KPI computed;
2. warm: the same page again, answered from the cache after one ledger-fingerprint query (the
   goal: <= 300 ms);
3. baseline, the floor: the KPI engine calls the page makes (one series, three grouped queries)
   on an already open engine, without Django, templates or the cache.
Each figure is the median of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
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


def child(repeat: int) -> None:
    """Runs inside the instance: Django set up on RECOUP_DATA_DIR."""
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    from recoup.accounts.models import Role, User
    from recoup.metrics.evaluate import months_before
    from recoup.metrics.selectors import metric_query, metric_series
    from recoup.web.dashboard import BREAKDOWN_METRICS, TILE_METRICS, TREND_METRICS, kpi_engine

    manager = User.objects.filter(role=Role.MANAGER).first() or User.objects.get(username="admin")
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(manager)
        cold, warm = [], []
        for _ in range(repeat):
            cache.clear()
            started = time.perf_counter()
            assert client.get("/").status_code == 200
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert client.get("/").status_code == 200
            warm.append(time.perf_counter() - started)
    floor = []
    with kpi_engine() as engine:
        day = engine.freshness().data_as_of
        assert day is not None
        start = months_before(day, 12).replace(day=1)
        for _ in range(repeat):
            started = time.perf_counter()
            metric_series(
                metrics=sorted(set(TILE_METRICS) | set(TREND_METRICS)),
                start=start,
                end=day,
                grain="month",
                engine=engine,
            )
            metric_query(metrics=["ar_by_bucket"], as_of=day, dims=["bucket"], engine=engine)
            for dim in ("team", "collector"):
                metric_query(metrics=list(BREAKDOWN_METRICS), as_of=day, dims=[dim], engine=engine)
            floor.append(time.perf_counter() - started)
    print(f"dashboard GET /, warm (cached)        {_median_ms(warm)}   goal <= {GOAL_MS} ms")
    print(f"dashboard GET /, cold (computed)      {_median_ms(cold)}")
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
        _run(folder, "demo-data", "--invoices", str(args.invoices), "--seed", "1")
        print(
            f"demo ledger of {args.invoices:,} invoices in {time.perf_counter() - started:.1f} s",
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
