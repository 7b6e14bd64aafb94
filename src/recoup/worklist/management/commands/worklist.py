"""`recoup worklist --collector U [--at ISO-INSTANT] [--format table|json]` prints a collector's
list for the day in order, each account with its balance, likelihood, expected recovery, reasons
and the contacts allowed now; blocked and unreachable accounts apart, and those their segment
treats by a letter, the agency or legal action. `recoup worklist --early-warning [--collector U]`
prints the accounts with nothing past due most likely to go late. `recoup worklist --fit` fits
both likelihoods on the ledger now and says how well each does on held-out history."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recoup.accounts.scope import Scope
from recoup.compliance.engine import CheckInputError
from recoup.compliance.inputs import parse_instant
from recoup.core.errors import RecoupError
from recoup.worklist.likelihood import LATE, QUESTIONS, Likelihood
from recoup.worklist.selectors import (
    Entry,
    collector_for,
    collectors_visible,
    worklist_for,
    worklist_json,
)
from recoup.worklist.services import likelihood_current, likelihood_fit_now
from recoup.worklist.warning import EarlyWarning, early_warning_for, early_warning_json


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = "A collector's worklist for the day, or fit the likelihood model (--fit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--collector", help="the collector's username")
        parser.add_argument("--at", help="the instant, ISO 8601 with its offset (default now)")
        parser.add_argument("--format", choices=["table", "json"], default="table")
        parser.add_argument(
            "--fit", action="store_true", help="fit the likelihoods on the ledger now"
        )
        parser.add_argument(
            "--early-warning",
            action="store_true",
            help="the accounts with nothing past due most likely to go late "
            "(of --collector's book, else of every collector)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["fit"]:
                for question in QUESTIONS.values():
                    fitted = likelihood_fit_now(question=question.key)
                    self.stdout.write(f"Will the account {question.words}?")
                    self._fit_report(Likelihood.from_json(fitted.parameters), fitted.seconds)
                return
            if options["early_warning"]:
                self._early_warning(options)
                return
            if not options["collector"]:
                raise CommandError("give --collector USERNAME (or --fit)")
            scope = Scope.organisation("worklist-cli")
            at = parse_instant(options["at"], "--at") if options["at"] else None
            collector = collector_for(scope, options["collector"])
            worklist = worklist_for(
                scope, collector=collector, likelihood=likelihood_current(), at=at
            )
        except (RecoupError, CheckInputError) as error:
            raise CommandError(str(error)) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(worklist_json(worklist), indent=2))
            return
        self.stdout.write(
            f"{worklist.collector_name}'s worklist for {worklist.day:%a %d %b %Y}: "
            f"{len(worklist.entries)} to contact now, {len(worklist.later)} later today; "
            f"{worklist.calls_made} of {worklist.calls_limit} calls made today"
        )
        for title, entries in (
            ("Now", worklist.entries),
            ("Later today", worklist.later),
            ("Waiting on a promise", worklist.waiting),
            ("Blocked", worklist.blocked),
            ("No working phone or e-mail", worklist.unreachable),
            ("For a letter, the agency or legal action", worklist.referred),
        ):
            if entries:
                self.stdout.write(f"\n{title}")
                for entry in entries:
                    self.stdout.write(self._line(entry))

    def _line(self, entry: Entry) -> str:
        rank = f"{entry.rank:>3}. " if entry.rank else "   - "
        reasons = "; ".join(
            [
                *entry.urgent,
                *([entry.promised] if entry.promised else []),
                *(r.words for r in entry.reasons),
            ]
        )
        ways = ", ".join(
            f"{c.words} {c.to}" if c.allowed else f"{c.words} blocked ({'; '.join(c.blocks)})"
            for c in entry.channels
        )
        limit = "" if entry.within_limit else " [after today's call limit]"
        return (
            f"{rank}{entry.name} ({entry.external_id}): {entry.balance}, "
            f"{entry.likelihood:.0%} likely, expect {entry.expected}{limit}\n"
            f"       segment: {entry.segment} ({entry.treatment_words.lower()})\n"
            f"       why: {reasons or '-'}\n       contact: {ways or '-'}"
        )

    def _fit_report(self, likelihood: Likelihood, seconds: float) -> None:
        quality = likelihood.quality
        self.stdout.write(f"Fitted in {seconds:.2f} s; the worklists use the {likelihood.method}.")
        if quality is None:
            return
        self.stdout.write(
            f"Held out {quality.holdout_day}: {quality.holdout_accounts:,} accounts "
            f"(trained on {quality.training_accounts:,}); answered yes {quality.paid_rate:.1%}\n"
            f"  model:     AUC {_percent(quality.model_auc)}, Brier {_percent(quality.model_brier)}\n"
            f"  scorecard: AUC {_percent(quality.scorecard_auc)}, "
            f"Brier {_percent(quality.scorecard_brier)}"
        )
        for predicted, observed, count in quality.calibration:
            self.stdout.write(
                f"  predicted {predicted:5.1%} -> happened {observed:5.1%} ({count:,} accounts)"
            )

    def _early_warning(self, options: dict[str, Any]) -> None:
        scope = Scope.organisation("worklist-cli")
        collectors = (
            [collector_for(scope, options["collector"])]
            if options["collector"]
            else list(collectors_visible(scope))
        )
        at = parse_instant(options["at"], "--at") if options["at"] else None
        day = timezone.localdate(at) if at else timezone.localdate()
        warning = early_warning_for(
            scope,
            collectors=collectors,
            likelihood=likelihood_current(today=day, question=LATE.key),
            day=day,
        )
        if options["format"] == "json":
            self.stdout.write(json.dumps(early_warning_json(warning), indent=2))
            return
        self._warning_table(warning)

    def _warning_table(self, warning: EarlyWarning) -> None:
        self.stdout.write(
            f"Early warning for {warning.day:%a %d %b %Y}: {len(warning.warnings)} of "
            f"{warning.watched:,} accounts with nothing past due are likely to go late; "
            f"{warning.at_risk} at risk"
        )
        for w in warning.warnings:
            reasons = "; ".join(r.words for r in w.reasons)
            self.stdout.write(
                f"  - {w.name} ({w.external_id}, {w.collector_name}): owes {w.balance}, "
                f"{w.due_soon} due within 30 days, {w.likelihood:.0%} likely late, "
                f"{w.at_risk} at risk\n       why: {reasons or '-'}"
            )
