"""`recoup dunning preview [--as-of D] [--policy P] [--format table|json]` shows who would get
what (nothing is kept); `recoup dunning run [--as-of D] [--policy P] [--approve]` prepares the
day's run (kept, for approval on the Dunning page) and with --approve sends it;
`recoup dunning approve RUN` sends a prepared run; `recoup dunning policies [--load FILE]
[--format table|yaml]` lists the policies or loads them from YAML."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recoup.core.dates import parse_input_date
from recoup.core.errors import RecoupError
from recoup.dunning.models import Policy, Run
from recoup.dunning.policy_file import policies_dump
from recoup.dunning.selectors import draft_json, policies_as_data, preview_drafts
from recoup.dunning.sending import run_approve
from recoup.dunning.services import policies_load, run_counts, run_prepare


class Command(BaseCommand):
    help = "Dunning: preview the day's messages, prepare and send a run, list or load policies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["preview", "run", "approve", "policies"])
        parser.add_argument("run_id", nargs="?", type=int, help="the run to approve")
        parser.add_argument("--as-of", help="the day of the run, YYYY-MM-DD (default today)")
        parser.add_argument("--policy", help="only this policy's customers (its name)")
        parser.add_argument("--format", choices=["table", "json", "yaml"], default="table")
        parser.add_argument("--approve", action="store_true", help="send the run once prepared")
        parser.add_argument("--load", help="a YAML file of policies to load")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            action = options["action"]
            if action == "policies":
                self._policies(options)
            elif action == "approve":
                if options["run_id"] is None:
                    raise CommandError("give the run's number: recoup dunning approve RUN")
                run = Run.objects.filter(pk=options["run_id"]).first()
                if run is None:
                    raise CommandError(f"no run {options['run_id']}")
                self._counts(run_approve(actor=None, run=run, via="cli"))
            else:
                day = self._day(options["as_of"])
                policy = self._policy(options["policy"])
                if action == "preview":
                    self._preview(day, policy, options["format"])
                else:
                    run = run_prepare(actor=None, as_of=day, policy=policy, via="cli")
                    if options["approve"]:
                        run = run_approve(actor=None, run=run, via="cli")
                    self._counts(run)
        except RecoupError as error:
            raise CommandError(str(error)) from None

    def _day(self, text: str | None) -> date:
        return parse_input_date(text, what="--as-of") if text else timezone.localdate()

    def _policy(self, name: str | None) -> Policy | None:
        if not name:
            return None
        found = Policy.objects.filter(name=name).first()
        if found is None:
            known = ", ".join(Policy.objects.values_list("name", flat=True))
            raise CommandError(f"no policy named {name!r} (known: {known})")
        return found

    def _counts(self, run: Run) -> None:
        counts = run_counts(run)
        said = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items() if v)
        self.stdout.write(f"Run {run.pk} of {run.as_of.isoformat()} ({run.status}): {said}")

    def _preview(self, day: date, policy: Policy | None, form: str) -> None:
        drafts, left_out = preview_drafts(day=day, policy=policy)
        if form == "json":
            out = {
                "as_of": day.isoformat(),
                "messages": [draft_json(d) for d in drafts],
                "left_out": left_out,
            }
            self.stdout.write(json.dumps(out, indent=2))
            return
        self.stdout.write(f"Dunning preview for {day.isoformat()}: {len(drafts):,} messages")
        for d in drafts:
            row = draft_json(d)
            totals = " + ".join(row["totals"])
            self.stdout.write(
                f"  {row['customer']:<14} {row['level']:<20} {row['channel']:<9} "
                f"{row['status']:<8} {totals:>18}  {row['address'] or '-'}"
            )
            if row["reason"]:
                self.stdout.write(f"      {row['reason']}")
        for reason, count in sorted(left_out.items()):
            self.stdout.write(f"  left out, {reason}: {count:,}")

    def _policies(self, options: dict[str, Any]) -> None:
        if options["load"]:
            path = Path(options["load"])
            if not path.is_file():
                raise CommandError(f"no file {path}")
            loaded = policies_load(actor=None, text=path.read_text(encoding="utf-8"), via="cli")
            self.stdout.write(f"Loaded {len(loaded)} policies: {', '.join(p.name for p in loaded)}")
            return
        data = policies_as_data()
        if options["format"] == "yaml":
            self.stdout.write(policies_dump(data))
            return
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, indent=2))
            return
        for p in data:
            flags = " (default)" if p.get("default") else ""
            self.stdout.write(f"{p['name']}{flags}")
            for lv in p["levels"]:
                self.stdout.write(
                    f"  {lv['days']:>+5} days  {lv['channel']:<9} {lv['name']}  gap {lv['gap']}"
                )
