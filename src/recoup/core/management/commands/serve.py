"""`recoup serve`: the production web server (gunicorn) with static files served by WhiteNoise."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication


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

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        warm: bool,
        **opts: Any,
    ) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port {port}: expected a TCP port between 1 and 65535")
        if not settings.DEBUG:
            # Hashed static file names must exist before the first request.
            call_command("collectstatic", interactive=False, verbosity=0)
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
            }
        ).run()
