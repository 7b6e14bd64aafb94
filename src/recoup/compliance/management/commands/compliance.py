"""`recoup compliance`: check a proposed contact, list the findings of the record checks,
and keep the contact rules and restrictions.

    recoup compliance check --customer C-1 --channel call --at 2026-03-09T04:30:00Z [--invoice INV-1]
    recoup compliance findings --from 2026-03-01 --to 2026-03-31 [--format json|csv]
    recoup compliance preset us-reg-f
    recoup compliance rules
    recoup compliance rule no_visits --kind channel_block --name "No visits" \\
        --params '{"channels": ["visit"]}' [--team North | --customer C-1] [--severity warn]
    recoup compliance restriction --customer C-1 --kind opt_out --channel sms --effective-on D
    recoup compliance restriction-end ID --ended-on D

Exit status: 0 done (a blocked contact too), 2 wrong usage or input.
"""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from recoup.accounts.models import Team, User
from recoup.accounts.scope import Scope, scope_for
from recoup.compliance.engine import CHANNELS
from recoup.compliance.findings import FINDING_TITLES, findings_list
from recoup.compliance.inputs import check_request
from recoup.compliance.models import Restriction, RestrictionKind, Rule, RuleKind, Severity
from recoup.compliance.preset import PRESETS
from recoup.compliance.selectors import contact_check
from recoup.compliance.services import preset_load, restriction_end, restriction_record, rule_save
from recoup.core.dates import parse_input_date
from recoup.core.errors import RecoupError
from recoup.ledger.models import Customer, Invoice

EXIT_USAGE = 2
VIA = "compliance"


class UsageError(CommandError):
    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=EXIT_USAGE)


class Command(BaseCommand):
    help = "Contact rules: check a contact, list findings, keep rules and restrictions."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        parser.epilog = __doc__.split("\n\n", 1)[1] if __doc__ else ""
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = actions.add_parser("check", help="may this contact be made now?")
        check.add_argument("--customer", required=True, help="the customer's external id")
        check.add_argument("--channel", required=True, help=", ".join(CHANNELS))
        check.add_argument("--at", required=True, help="ISO instant with offset, e.g. ...Z")
        check.add_argument("--invoice", help="the invoice's external id (default: all debts)")
        check.add_argument("--format", choices=("text", "json"), default="text")
        check.add_argument("--as-user", metavar="USERNAME", help="check within their book")
        found = actions.add_parser("findings", help="past contacts that broke a rule, and more")
        found.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        found.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        found.add_argument("--format", choices=("text", "json", "csv"), default="text")
        found.add_argument("--as-user", metavar="USERNAME", help="within their book")
        preset = actions.add_parser("preset", help="load a bundled rule set")
        preset.add_argument("name", choices=sorted(PRESETS))
        actions.add_parser("rules", help="the rules and their parameters")
        rule = actions.add_parser("rule", help="add or change a rule")
        rule.add_argument("code", help="the rule's id, e.g. no_visits or time_window")
        rule.add_argument("--kind", required=True, choices=RuleKind.values)
        rule.add_argument("--name", required=True)
        rule.add_argument("--params", default="{}", help="JSON object of the kind's parameters")
        rule.add_argument("--severity", choices=Severity.values, default=Severity.BLOCK)
        whose = rule.add_mutually_exclusive_group()
        whose.add_argument("--team", help="a team's own rule")
        whose.add_argument("--customer", help="one customer's own rule (external id)")
        rule.add_argument("--inactive", action="store_true", help="switched off for its scope")
        rule.add_argument("--source", default="", help="the regulation or policy behind it")
        restrict = actions.add_parser("restriction", help="record a restriction")
        restrict.add_argument("--customer", required=True)
        restrict.add_argument("--kind", required=True, choices=RestrictionKind.values)
        restrict.add_argument("--channel", default="", help="for opt_out: the channel")
        restrict.add_argument("--effective-on", required=True, help="YYYY-MM-DD")
        restrict.add_argument("--ended-on", help="YYYY-MM-DD, the last day in effect")
        restrict.add_argument("--invoice", help="a restriction about one invoice only")
        restrict.add_argument("--note", default="")
        end = actions.add_parser("restriction-end", help="the last day a restriction held")
        end.add_argument("restriction_id", type=int)
        end.add_argument("--ended-on", required=True, help="YYYY-MM-DD")
        end.add_argument("--note", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except (RecoupError, ValueError) as error:
            raise UsageError(str(error)) from None

    @staticmethod
    def _scope(username: str | None) -> Scope:
        if not username:
            return Scope.organisation("recoup compliance")
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise UsageError(f"--as-user {username!r}: no such active user")
        return scope_for(user)

    def _check(self, options: dict[str, Any]) -> None:
        request = check_request(
            self._scope(options["as_user"]),
            customer=options["customer"],
            channel=options["channel"],
            at=options["at"],
            invoice=options["invoice"],
        )
        verdict = contact_check(
            customer=request.customer,
            channel=request.channel,
            at=request.at,
            invoice=request.invoice,
        )
        if options["format"] == "json":
            self.stdout.write(json.dumps(verdict.as_json(), indent=2))
            return
        self.stdout.write("allowed" if verdict.allowed else "blocked")
        for hit in verdict.blocks:
            self.stdout.write(f"  {hit.rule}: {hit.message}\n    fact: {hit.fact}")
            if hit.next_allowed_at:
                self.stdout.write(f"    allowed again from {hit.next_allowed_at.isoformat()}")
        for hit in verdict.warnings:
            self.stdout.write(f"  warning {hit.rule}: {hit.message}\n    fact: {hit.fact}")
        if verdict.next_allowed_at:
            self.stdout.write(f"next allowed: {verdict.next_allowed_at.isoformat()}")

    def _findings(self, options: dict[str, Any]) -> None:
        start = parse_input_date(options["date_from"], what="--from")
        end = parse_input_date(options["date_to"], what="--to")
        if start > end:
            raise UsageError(f"--from {start} is after --to {end}")
        report = findings_list(self._scope(options["as_user"]), date_from=start, date_to=end)
        rows = [f.as_json() for f in report.findings]
        if options["format"] == "json":
            out = {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "contacts_checked": report.contacts_checked,
                "counts": report.counts(),
                "findings": rows,
            }
            self.stdout.write(json.dumps(out, indent=2))
            return
        if options["format"] == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=list(rows[0]) if rows else ["check"])
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "rules": " ".join(row["rules"])})  # type: ignore[arg-type]
            return
        self.stdout.write(
            f"{len(rows)} findings from {start} to {end} ({report.contacts_checked} contacts checked)"
        )
        for f in report.findings:
            who = f" by {f.who}" if f.who else ""
            self.stdout.write(f"{f.at:%Y-%m-%d %H:%M} {FINDING_TITLES[f.check]}: {f.customer}{who}")
            self.stdout.write(f"    {f.what}")

    def _preset(self, options: dict[str, Any]) -> None:
        rules = preset_load(actor=None, name=options["name"], via=VIA)
        self.stdout.write(f"preset {options['name']}: {len(rules)} rules in place")

    def _rules(self, options: dict[str, Any]) -> None:
        for r in Rule.objects.select_related("team", "customer"):
            where = r.team.name if r.team else r.customer.external_id if r.customer else "everyone"
            state = "" if r.active else " (inactive)"
            self.stdout.write(f"{r.code:<20} {r.kind:<19} {r.severity:<5} {where}{state}: {r.name}")
            self.stdout.write(f"{'':<20} {json.dumps(r.params)}  [{r.source}]")

    def _rule(self, options: dict[str, Any]) -> None:
        try:
            params = json.loads(options["params"])
        except json.JSONDecodeError as exc:
            raise UsageError(f"--params: not JSON ({exc.msg} at character {exc.pos})") from None
        if not isinstance(params, dict):
            raise UsageError('--params: a JSON object such as {"channels": ["visit"]}')
        team = customer = None
        if options["team"]:
            team = Team.objects.filter(name=options["team"]).first()
            if team is None:
                raise UsageError(f"--team {options['team']!r}: no such team")
        if options["customer"]:
            customer = Customer.objects.filter(external_id=options["customer"]).first()
            if customer is None:
                raise UsageError(f"--customer {options['customer']!r}: no such customer")
        rule = rule_save(
            actor=None,
            code=options["code"],
            name=options["name"],
            kind=options["kind"],
            params=params,
            severity=options["severity"],
            team=team,
            customer=customer,
            active=not options["inactive"],
            source=options["source"],
            via=VIA,
        )
        self.stdout.write(f"rule {rule.code} ({rule.scope}) saved: {json.dumps(rule.params)}")

    def _restriction(self, options: dict[str, Any]) -> None:
        customer = Customer.objects.filter(external_id=options["customer"]).first()
        if customer is None:
            raise UsageError(f"--customer {options['customer']!r}: no such customer")
        invoice = None
        if options["invoice"]:
            invoice = Invoice.objects.filter(external_id=options["invoice"]).first()
            if invoice is None:
                raise UsageError(f"--invoice {options['invoice']!r}: no such invoice")
        restriction = restriction_record(
            actor=None,
            customer=customer,
            kind=options["kind"],
            channel=options["channel"],
            effective_on=parse_input_date(options["effective_on"], what="--effective-on"),
            ended_on=(
                parse_input_date(options["ended_on"], what="--ended-on")
                if options["ended_on"]
                else None
            ),
            note=options["note"],
            invoice=invoice,
            via=VIA,
        )
        self.stdout.write(f"restriction {restriction.pk} recorded: {restriction}")

    def _restriction_end(self, options: dict[str, Any]) -> None:
        restriction = Restriction.objects.filter(pk=options["restriction_id"]).first()
        if restriction is None:
            raise UsageError(f"restriction {options['restriction_id']}: no such restriction")
        ended = restriction_end(
            actor=None,
            restriction=restriction,
            ended_on=parse_input_date(options["ended_on"], what="--ended-on"),
            note=options["note"],
            via=VIA,
        )
        self.stdout.write(f"restriction {ended.pk} ended on {ended.ended_on}")
