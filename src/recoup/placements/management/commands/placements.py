"""`recoup placements preview [--as-of D] [--format table|json]` shows the batch the rules would
make (nothing is kept); `recoup placements run [--as-of D] [--approve]` prepares it (kept, for
approval on the Placements page) and with --approve places it; `recoup placements approve
BATCH` places a prepared batch; `recoup placements rules [--load FILE] [--format table|yaml]`
lists the rules or loads them from YAML. Commands act for the organisation: every debtor."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recoup.accounts.scope import Scope
from recoup.core.dates import parse_input_date
from recoup.core.errors import RecoupError
from recoup.core.money import Money
from recoup.ledger.models import Agency, Customer
from recoup.placements.models import PlacementBatch
from recoup.placements.rule_file import rules_as_data, rules_dump, rules_load
from recoup.placements.selection import LEFT_OUT_WORDS, Selection
from recoup.placements.selectors import invoice_numbers, preview
from recoup.placements.services import batch_approve, batch_prepare


class Command(BaseCommand):
    help = "Placements: preview the batch the rules make, prepare it, approve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["preview", "run", "approve", "rules"])
        parser.add_argument("batch_id", nargs="?", type=int, help="the batch to approve")
        parser.add_argument("--as-of", help="the day, YYYY-MM-DD (default today)")
        parser.add_argument("--format", choices=["table", "json", "yaml"], default="table")
        parser.add_argument("--load", help="a YAML file of placement rules to load")
        parser.add_argument("--approve", action="store_true", help="place the batch once prepared")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            action = options["action"]
            if action == "rules":
                self._rules(options)
                return
            if action == "approve":
                if options["batch_id"] is None:
                    raise CommandError("give the batch's number: recoup placements approve BATCH")
                batch = PlacementBatch.objects.filter(pk=options["batch_id"]).first()
                if batch is None:
                    raise CommandError(f"no placement batch {options['batch_id']}")
                self._said(batch_approve(actor=None, batch=batch, via="cli"))
                return
            day = self._day(options["as_of"])
            if action == "preview":
                self._preview(day, options["format"])
                return
            batch = batch_prepare(actor=None, as_of=day, via="cli")
            if options["approve"]:
                batch = batch_approve(actor=None, batch=batch, via="cli")
            self._said(batch)
        except RecoupError as error:
            raise CommandError(str(error)) from None

    def _rules(self, options: dict[str, Any]) -> None:
        if options["load"]:
            path = Path(options["load"])
            if not path.is_file():
                raise CommandError(f"no file {path}")
            loaded = rules_load(actor=None, text=path.read_text(encoding="utf-8"), via="cli")
            self.stdout.write(f"Loaded {len(loaded)} rules: {', '.join(r.name for r in loaded)}")
            return
        if options["format"] == "yaml":
            self.stdout.write(rules_dump())
            return
        data = rules_as_data()
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, indent=2))
            return
        for n, rule in enumerate(data, start=1):
            said = ", ".join(f"{k} {v}" for k, v in rule.items() if k not in {"name", "agency"})
            self.stdout.write(f"{n}. {rule['name']} -> {rule['agency']} ({said})")

    def _day(self, text: str | None) -> date:
        return parse_input_date(text, what="--as-of") if text else timezone.localdate()

    def _said(self, batch: PlacementBatch) -> None:
        lines = batch.lines.count()
        placed = batch.lines.filter(placement__isnull=False).count()
        self.stdout.write(
            f"Batch {batch.pk} of {batch.as_of.isoformat()} ({batch.status}): "
            f"{lines:,} invoices, {placed:,} placed"
        )

    def _preview(self, day: date, form: str) -> None:
        selection = preview(Scope.organisation("recoup placements preview"), day=day)
        rows = _rows(selection)
        left_out = {LEFT_OUT_WORDS[k]: v for k, v in sorted(selection.counts.items())}
        if form == "json":
            out = {"as_of": day.isoformat(), "invoices": rows, "left_out": left_out}
            self.stdout.write(json.dumps(out, indent=2))
            return
        accounts = len({r["customer"] for r in rows})
        self.stdout.write(
            f"Placement preview for {day.isoformat()}: {len(rows):,} invoices of "
            f"{accounts:,} accounts"
        )
        for r in rows:
            self.stdout.write(
                f"  {r['customer']:<14} {r['invoice']:<16} {r['days_past_due']:>5}d "
                f"{r['amount']:>18}  {r['agency']}  ({r['rule']})"
            )
        for why, count in left_out.items():
            self.stdout.write(f"  left out, {why}: {count:,}")


def _rows(selection: Selection) -> list[dict[str, Any]]:
    lines = selection.lines
    customers = dict(
        Customer.objects.filter(pk__in={x.customer_id for x in lines}).values_list(
            "pk", "external_id"
        )
    )
    agencies = dict(Agency.objects.values_list("pk", "name"))
    numbers = invoice_numbers([x.invoice_id for x in lines])
    return [
        {
            "customer": customers.get(x.customer_id, str(x.customer_id)),
            "invoice": numbers.get(x.invoice_id, str(x.invoice_id)),
            "agency": agencies.get(x.agency_id, str(x.agency_id)),
            "rule": x.reason,
            "days_past_due": x.days_past_due,
            "amount": str(Money(x.amount_minor, x.currency)),
        }
        for x in lines
    ]
