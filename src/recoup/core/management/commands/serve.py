"""`recoup serve`: the production web server (gunicorn) with static files served by WhiteNoise,
and, unless `--no-worker`, the background job worker and its scheduler as a child process."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication

from recoup.core.static_files import static_collect


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()


logger = logging.getLogger(__name__)


class WorkerChild:
    """The `recoup worker` that `recoup serve` runs beside gunicorn: started by gunicorn's master
    once it listens, started again if it dies, stopped when the master exits.

    A child process rather than threads in the master: the master forks the web workers, which
    must not each inherit a scheduler, and a job that hangs or crashes must not take the web
    server with it. The worker watches its parent too (`--stop-with`), so a master killed
    without a chance to stop it leaves no worker behind."""

    RESTART_DELAYS = (1.0, 5.0, 30.0, 60.0)
    STOP_SECONDS = 15.0

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self.watcher: threading.Thread | None = None

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-c",
            "from recoup.cli import main; main()",
            "worker",
            "--stop-with",
            str(os.getpid()),
        ]

    def _spawn(self) -> subprocess.Popen[bytes]:
        # Its own process group: a Ctrl-C in the terminal reaches the master alone, which then
        # stops the worker with one SIGTERM, and the worker finishes the job it is running.
        return subprocess.Popen(self.command(), process_group=0)

    def start(self, _arbiter: Any = None) -> None:
        self.process = self._spawn()
        logger.info("started the job worker (pid %s)", self.process.pid)
        self.watcher = threading.Thread(target=self._watch, name="recoup-worker-watch", daemon=True)
        self.watcher.start()

    def _watch(self) -> None:
        failures = 0
        while not self.stopping.wait(1.0):
            process = self.process
            if process is None or process.poll() is None:
                continue
            delay = self.RESTART_DELAYS[min(failures, len(self.RESTART_DELAYS) - 1)]
            failures += 1
            logger.warning(
                "the job worker stopped (exit %s); starting it again", process.returncode
            )
            if self.stopping.wait(delay):
                return
            self.process = self._spawn()

    def stop(self, _arbiter: Any = None) -> None:
        self.stopping.set()
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Command(BaseCommand):
    help = "Serve Recoup over HTTP with a production-grade server (gunicorn)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)"
        )
        parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.WEB_WORKERS,
            help="worker processes (default 2, or RECOUP_WEB_WORKERS)",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
        parser.add_argument(
            "--no-warm",
            dest="warm",
            action="store_false",
            help="serve at once, without syncing the analytics copy and computing the dashboards",
        )
        parser.add_argument(
            "--no-worker",
            dest="worker",
            action="store_false",
            help="run no background job worker (for deployments that run `recoup worker` apart)",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        warm: bool,
        worker: bool,
        **opts: Any,
    ) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port {port}: expected a TCP port between 1 and 65535")
        if not settings.DEBUG:
            # Hashed static file names must exist before the first request.
            static_collect()
        # What stopped imports left behind (runs, uploads, temporary folders): decision 0015.
        call_command("import_cleanup", verbosity=0)
        if warm:
            # Once, here, before the workers are forked (preload_app): they inherit the synced
            # analytics copy, the compiled KPI queries and the computed dashboards, so the first
            # page after a start costs what a later one does (see docs/decisions/0009).
            call_command("warm", stdout=self.stdout)
            connections.close_all()
        # After a ledger change the workers answer from the last published analytics snapshot
        # while one syncs in the background; the CLI and the job worker wait (decision 0014).
        settings.ANALYTICS_ANSWER_WHILE_SYNCING = True
        self.stdout.write(f"Recoup is serving on http://{host}:{port}/  (Ctrl-C stops it)")
        hooks: dict[str, Any] = {}
        child = WorkerChild() if worker else None
        if child is not None:
            # Started once the master listens (a busy port starts no worker), in the master only.
            hooks = {"when_ready": child.start, "on_exit": child.stop}
        try:
            self._serve(host=host, port=port, workers=workers, threads=threads, hooks=hooks)
        finally:
            if child is not None:
                child.stop()

    def _serve(
        self, *, host: str, port: int, workers: int, threads: int, hooks: dict[str, Any]
    ) -> None:
        _Gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": "-",
                "timeout": 120,
                "graceful_timeout": 10,
                "preload_app": True,
                **hooks,
            }
        ).run()
