"""`recoup demo-login`: make sure the demo admin exists and print how to log in."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from recoup.demo.login import demo_admin_ensure


class Command(BaseCommand):
    help = "Create the demo administrator once (random password kept in var/) and print the login."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="URL to print")

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        login = demo_admin_ensure()
        self.stdout.write(
            f"\n  Recoup: {url}\n  login:  {login.username}\n  password: {login.password}\n"
        )
