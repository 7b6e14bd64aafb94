"""`recoup workspace judge [--as-of D]` judges promises and payment plans by the payments that
arrived and flags the accounts that broke one; `recoup workspace schedule` queues the daily
judgement for the worker."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from recoup.core.dates import date_argument
from recoup.workspace.services.judgement import accounts_judge
from recoup.workspace.tasks import judgement_schedule_ensure


class Command(BaseCommand):
    help = "Judge promises and payment plans by payments; schedule the daily judgement."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        judge = sub.add_parser(
            "judge", help="judge promises and plans as of a date (default today)"
        )
        judge.add_argument("--as-of", type=date_argument, default=None)
        sub.add_parser("schedule", help="make sure the daily judgement is queued for the worker")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "judge":
            today = options["as_of"] or timezone.localdate()
            report = accounts_judge(today=today, via="workspace-cli")
            self.stdout.write(json.dumps({"as_of": today.isoformat(), **report.as_json()}))
        else:
            run_after = judgement_schedule_ensure()
            self.stdout.write(f"The daily judgement runs next at {run_after.isoformat()}.")
