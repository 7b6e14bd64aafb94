"""`recoup okr`: OKRs from the command line — apply a plan, status, check-ins, audit, templates,
target suggestions, forecasts and the alignment tree. Thin: arguments in, services/selectors out."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from dataclasses import asdict
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.accounts.models import User
from recoup.core.dates import date_argument
from recoup.core.errors import RecoupError
from recoup.okrs import selectors, services, tasks
from recoup.okrs.calendar import cycle_calendar
from recoup.okrs.closing_read import cycle_grading
from recoup.okrs.honesty import flags_for
from recoup.okrs.models import Confidence
from recoup.okrs.plan import plan_parse
from recoup.okrs.templates import TEMPLATES, template_get, templates_yaml

VIA = "okr-cli"


def _pairs(items: list[str] | None, what: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise CommandError(f"--{what} {item!r}: write it as name=value")
        out.setdefault(name, []).extend(v for v in value.split(",") if v)
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


class Command(BaseCommand):
    help = "OKRs: apply a plan, show status, check in, audit, templates, suggest targets."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)

        p = sub.add_parser("apply", help="create or update the OKRs a plan file declares")
        p.add_argument("plan", help="plan file (YAML, see docs/okrs.md)")
        p.add_argument("--dry-run", action="store_true", help="validate and show what would change")

        p = sub.add_parser("status", help="progress, expected progress, status and score")
        p.add_argument("--cycle", help="cycle name (default: the running cycle)")
        p.add_argument(
            "--as-of", type=date_argument, help="date to compute status for (default: today)"
        )
        p.add_argument("--team", help="only this team's objectives")
        p.add_argument("--format", choices=["table", "json"], default="table")

        p = sub.add_parser(
            "checkin", help="check in a key result, or --auto for every KPI-bound one"
        )
        p.add_argument("key_result", nargs="?", help="objective-key/key-result-key or id")
        p.add_argument("--cycle")
        p.add_argument("--value", help="the value now (omit for a KPI-bound key result)")
        p.add_argument("--confidence", choices=Confidence.values)
        p.add_argument("--comment", default="")
        p.add_argument("--author", help="username of the person checking in")
        p.add_argument(
            "--data-date", type=date_argument, help="date the value describes (default: today)"
        )
        p.add_argument("--auto", action="store_true", help="check in all KPI-bound key results")
        p.add_argument("--as-of", type=date_argument, help="with --auto: KPI date (default: today)")

        p = sub.add_parser("override", help="override a key result's status, with a reason")
        p.add_argument("key_result")
        p.add_argument("--cycle")
        p.add_argument("--status", choices=[*Confidence.values, "clear"], required=True)
        p.add_argument("--reason", default="")
        p.add_argument("--author")

        p = sub.add_parser("history", help="every check-in of a key result")
        p.add_argument("key_result")
        p.add_argument("--cycle")
        p.add_argument("--format", choices=["table", "json"], default="table")

        p = sub.add_parser(
            "forecast", help="projected end value and probability of reaching the target"
        )
        p.add_argument("key_result")
        p.add_argument("--cycle")
        p.add_argument("--as-of", type=date_argument)
        p.add_argument("--format", choices=["table", "json"], default="table")

        p = sub.add_parser("audit", help="check a cycle or a plan file against the OKR rules")
        p.add_argument("plan", nargs="?", help="plan file to audit before applying it")
        p.add_argument("--cycle")
        p.add_argument("--format", choices=["table", "json"], default="table")

        p = sub.add_parser("templates", help="the template library, ready to paste into a plan")
        p.add_argument("--id", help="one template")
        p.add_argument("--team", default="", help="fill in this team (and KPI filter)")
        p.add_argument("--owner", default="", help="fill in this owner")
        p.add_argument("--format", choices=["table", "yaml", "json"], default="table")

        p = sub.add_parser(
            "suggest-target", help="baseline, status quo, commit and stretch targets"
        )
        p.add_argument("key_result", nargs="?", help="a KPI-bound key result")
        p.add_argument("--cycle")
        p.add_argument("--metric", help="a KPI id, instead of a key result")
        p.add_argument("--filter", action="append", help="dimension=value[,value] (repeatable)")
        p.add_argument("--param", action="append", help="name=value (repeatable)")
        p.add_argument("--history", type=int, default=8, help="past cycles to learn from")
        p.add_argument("--format", choices=["table", "json"], default="table")

        p = sub.add_parser("calendar", help="the cycle's cadence as an iCalendar feed")
        p.add_argument("--cycle")

        p = sub.add_parser("tree", help="the alignment tree (strategy map) as JSON")
        p.add_argument("--cycle")
        p.add_argument("--as-of", type=date_argument)

        p = sub.add_parser(
            "learn-curve", help="learn a KPI-bound key result's seasonal expected-progress curve"
        )
        p.add_argument("key_result")
        p.add_argument("--cycle")
        p.add_argument("--cycles", type=int, default=4, help="past cycles to learn from")

        sub.add_parser("schedule", help="make sure the weekly automatic check-in job is queued")

        p = sub.add_parser(
            "close", help="grade a cycle on or after its evaluation date and close it (read-only)"
        )
        p.add_argument("--cycle", required=True, help="cycle name")
        p = sub.add_parser(
            "carry", help="carry objectives and key results of a closed cycle into the next one"
        )
        p.add_argument("--from", dest="source", required=True, help="the closed cycle")
        p.add_argument("--to", help="the cycle to carry into (default: the next, created if none)")
        p.add_argument(
            "--objective", action="append", help="objective key, with all its key results"
        )
        p.add_argument("--key-result", action="append", help="objective-key/key-result-key")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        handler = getattr(self, "do_" + action.replace("-", "_"))
        try:
            handler(**options)
        except RecoupError as exc:
            raise CommandError(str(exc)) from None

    # --- subcommands ---------------------------------------------------------------------------

    def do_apply(self, *, plan: str, dry_run: bool, **_: Any) -> None:
        path = Path(plan)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {plan}: {exc.strerror}") from None
        parsed = plan_parse(text, source=plan)
        report = services.plan_apply(plan=parsed, via=VIA, dry_run=dry_run)
        prefix = "would " if dry_run else ""
        for item in report.created:
            self.stdout.write(f"{prefix}create {item}")
        for item in report.updated:
            self.stdout.write(f"{prefix}update {item}")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        if not report.changed:
            self.stdout.write(f"cycle {report.cycle}: nothing to change")
        else:
            self.stdout.write(
                f"cycle {report.cycle}: {len(report.created)} created, {len(report.updated)} updated"
                + (" (dry run, nothing written)" if dry_run else "")
            )

    def do_status(
        self, *, cycle: str | None, as_of: date | None, team: str | None, format: str, **_: Any
    ) -> None:
        c = selectors.cycle_get(name=cycle, today=as_of)
        status = selectors.cycle_status(cycle=c, today=as_of, team=team)
        if format == "json":
            self.stdout.write(json.dumps(status.as_json(), indent=2))
            return
        self.stdout.write(
            f"{status.cycle}  {status.starts_on} .. {status.ends_on}  as of {status.as_of}  "
            f"expected {_pct(status.expected)}  progress {_pct(status.progress)}  score {status.score:.1f} ({status.colour})"
        )
        flags = flags_for([k for o in status.objectives for k in o.key_results], today=status.as_of)
        for o in status.objectives:
            self.stdout.write(
                f"\n{o.key}: {o.title}  [{o.commitment}, {o.team or 'no team'}, {o.owner or 'no owner'}]\n"
                f"  progress {_pct(o.progress)}  expected {_pct(o.expected)}  {o.status.value}  "
                f"score {o.score:.1f} ({o.colour})"
            )
            for k in o.key_results:
                value = "-" if k.latest_value is None else f"{k.latest_value.normalize():f}"
                target = "-" if k.target is None else f"{k.target.normalize():f}"
                baseline = "-" if k.baseline is None else f"{k.baseline.normalize():f}"
                bound = f" <{k.metric}>" if k.metric else ""
                self.stdout.write(
                    f"  - {k.ref}{bound}: {value} {k.unit} (baseline {baseline}, target {target})  "
                    f"progress {_pct(k.progress)} expected {_pct(k.expected)}  {k.status.value}"
                    + (
                        f" (override: {k.override_reason})"
                        if k.override_status and not k.outdated
                        else ""
                    )
                )
                if k.id in flags:
                    self.stdout.write(f"    ! reported green, data red: {flags[k.id].text}")

    def _user(self, username: str | None) -> User | None:
        if not username:
            return None
        found = User.objects.filter(username=username).first()
        if found is None:
            raise CommandError(f"--author: no user {username!r}")
        return found

    def do_checkin(
        self,
        *,
        key_result: str | None,
        cycle: str | None,
        value: str | None,
        confidence: str | None,
        comment: str,
        author: str | None,
        data_date: date | None,
        auto: bool,
        as_of: date | None,
        **_: Any,
    ) -> None:
        if auto:
            if key_result:
                raise CommandError(
                    "--auto checks in every KPI-bound key result: leave out the key result"
                )
            c = selectors.cycle_get(name=cycle) if cycle else None
            report = services.checkin_auto_run(today=as_of, cycle=c, via=VIA)
            for kr in report.baselines:
                self.stdout.write(
                    f"baseline {kr.objective.key}/{kr.key} = {kr.baseline} ({kr.metric} as of {kr.baseline_as_of})"
                )
            for ci in report.created:
                kr = ci.key_result
                self.stdout.write(
                    f"checked in {kr.objective.key}/{kr.key} = {ci.value} ({kr.metric} as of {ci.data_date}, {ci.confidence})"
                )
            for note in report.skipped:
                self.stdout.write(f"skipped {note}")
            self.stdout.write(f"{len(report.created)} automatic check-in(s) as of {report.as_of}")
            return
        if not key_result:
            raise CommandError("name the key result (objective-key/key-result-key), or use --auto")
        if not confidence:
            raise CommandError("--confidence is required: on_track, at_risk or off_track")
        number: Decimal | None = None
        if value is not None:
            try:
                number = Decimal(value)
            except InvalidOperation:
                raise CommandError(f"--value {value!r} is not a number") from None
        kr = selectors.key_result_get(
            ref=key_result, cycle=selectors.cycle_get(name=cycle) if cycle else None
        )
        ci = services.checkin_create(
            key_result=kr,
            value=number,
            confidence=confidence,
            comment=comment,
            data_date=data_date,
            author=self._user(author),
            via=VIA,
        )
        self.stdout.write(
            f"checked in {kr.objective.key}/{kr.key} = {ci.value} on {ci.data_date} ({ci.confidence})"
        )

    def do_override(
        self,
        *,
        key_result: str,
        cycle: str | None,
        status: str,
        reason: str,
        author: str | None,
        **_: Any,
    ) -> None:
        kr = selectors.key_result_get(
            ref=key_result, cycle=selectors.cycle_get(name=cycle) if cycle else None
        )
        if status == "clear":
            n = services.status_override_clear(key_result=kr, author=self._user(author), via=VIA)
            self.stdout.write(f"cleared {n} override(s) on {kr.objective.key}/{kr.key}")
            return
        services.status_override_set(
            key_result=kr, status=status, reason=reason, author=self._user(author), via=VIA
        )
        self.stdout.write(f"{kr.objective.key}/{kr.key} is now {status}: {reason}")

    def do_history(self, *, key_result: str, cycle: str | None, format: str, **_: Any) -> None:
        kr = selectors.key_result_get(
            ref=key_result, cycle=selectors.cycle_get(name=cycle) if cycle else None
        )
        rows = selectors.key_result_history(key_result=kr)
        if format == "json":
            self.stdout.write(json.dumps([selectors.to_json(asdict(r)) for r in rows], indent=2))
            return
        for r in rows:
            # Withdrawn and corrected check-ins stay in the history but count nowhere.
            mark = " (corrected)" if r.corrected_by else " (withdrawn)" if r.withdrawn_at else ""
            self.stdout.write(
                f"{r.data_date}  {r.value}  {r.confidence:<9}  {r.source:<9}  {r.author or '-'}  {r.comment}{mark}"
            )

    def do_forecast(
        self, *, key_result: str, cycle: str | None, as_of: date | None, format: str, **_: Any
    ) -> None:
        kr = selectors.key_result_get(
            ref=key_result, cycle=selectors.cycle_get(name=cycle) if cycle else None
        )
        f = selectors.key_result_forecast(key_result=kr, today=as_of)
        if format == "json":
            self.stdout.write(json.dumps(selectors.to_json(asdict(f)), indent=2))
            return
        if f.probability is None:
            self.stdout.write(f"no forecast: {f.reason}")
            return
        self.stdout.write(
            f"{kr.objective.key}/{kr.key}: projected {f.projected_end_value:.4g} {kr.unit} at the end "
            f"(target {kr.target}); probability {f.probability:.0%}; range {f.low:.4g} .. {f.high:.4g}\n{f.reason}"
        )

    def do_audit(self, *, plan: str | None, cycle: str | None, format: str, **_: Any) -> None:
        if plan:
            try:
                text = Path(plan).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot read {plan}: {exc.strerror}") from None
            report = selectors.plan_audit(plan=plan_parse(text, source=plan))
            where = plan
        else:
            c = selectors.cycle_get(name=cycle)
            report = selectors.cycle_audit(cycle=c)
            where = f"cycle {c.name}"
        if format == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "score": report.score,
                        "findings": [
                            {
                                "severity": f.severity.value,
                                "rule": f.rule,
                                "item": f.item,
                                "message": f.message,
                                "fix": f.fix,
                                "line": f.line,
                            }
                            for f in report.findings
                        ],
                    },
                    indent=2,
                )
            )
            return
        self.stdout.write(
            f"{where}: plan score {report.score}/100, {len(report.findings)} finding(s)"
        )
        for f in report.findings:
            line = f" (line {f.line})" if f.line else ""
            self.stdout.write(
                f"  {f.severity.value:<7} {f.item}{line}: {f.message}\n          fix: {f.fix}"
            )

    def do_templates(self, *, id: str | None, team: str, owner: str, format: str, **_: Any) -> None:
        chosen = TEMPLATES
        if id:
            t = template_get(id)
            if t is None:
                raise CommandError(
                    f"no template {id!r} (templates: {', '.join(t.id for t in TEMPLATES)})"
                )
            chosen = (t,)
        if format == "yaml":
            self.stdout.write(templates_yaml(chosen, team=team, owner=owner))
            return
        if format == "json":
            from recoup.okrs.templates import template_as_plan

            self.stdout.write(
                json.dumps(
                    [
                        template_as_plan(t, team=team, owner=owner) | {"area": t.area}
                        for t in chosen
                    ],
                    indent=2,
                )
            )
            return
        for t in chosen:
            self.stdout.write(f"{t.id}  ({t.area})\n  {t.title}")
            for kr in t.key_results:
                bound = f" <{kr.metric}>" if kr.metric else " (custom metric)"
                self.stdout.write(f"    - {kr.title}: {kr.kind} {kr.target} {kr.unit}{bound}")

    def do_suggest_target(
        self,
        *,
        key_result: str | None,
        cycle: str | None,
        metric: str | None,
        filter: list[str] | None,
        param: list[str] | None,
        history: int,
        format: str,
        **_: Any,
    ) -> None:
        if key_result:
            kr = selectors.key_result_get(
                ref=key_result, cycle=selectors.cycle_get(name=cycle) if cycle else None
            )
            if not kr.metric:
                raise CommandError(f"key result {key_result!r} is not bound to a KPI; use --metric")
            c = kr.objective.cycle
            metric_id, params, filters = kr.metric, dict(kr.metric_params), dict(kr.metric_filters)
        elif metric:
            c = selectors.cycle_get(name=cycle)
            metric_id = metric
            params = {k: ",".join(v) for k, v in _pairs(param, "param").items()}
            filters = _pairs(filter, "filter")
        else:
            raise CommandError("name a KPI-bound key result or give --metric")
        if history < 1:
            raise CommandError("--history must be at least 1")
        s = selectors.target_suggest(
            metric=metric_id,
            params=params,
            filters=filters,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            history_cycles=history,
        )
        if format == "json":
            self.stdout.write(json.dumps(s.as_json(), indent=2))
            return
        self.stdout.write(
            f"{s.metric} for cycle {c.name}: baseline {s.baseline}, status quo {s.status_quo}, "
            f"commit {s.commit}, stretch {s.stretch} ({s.unit})"
        )
        for line in s.reasoning:
            self.stdout.write(f"  - {line}")

    def do_calendar(self, *, cycle: str | None, **_: Any) -> None:
        c = selectors.cycle_get(name=cycle)
        self.stdout.write(cycle_calendar(cycle=c), ending="")

    def do_tree(self, *, cycle: str | None, as_of: date | None, **_: Any) -> None:
        c = selectors.cycle_get(name=cycle, today=as_of)
        self.stdout.write(json.dumps(selectors.alignment_tree(cycle=c, today=as_of), indent=2))

    def do_learn_curve(self, *, key_result: str, cycle: str | None, cycles: int, **_: Any) -> None:
        kr = selectors.key_result_get(
            ref=key_result, cycle=selectors.cycle_get(name=cycle) if cycle else None
        )
        curve = services.key_result_curve_learn(key_result=kr, cycles=cycles, via=VIA)
        weeks = ", ".join(f"w{i + 1} {share:.0%}" for i, share in enumerate(curve))
        self.stdout.write(f"{kr.objective.key}/{kr.key}: expected progress by week: {weeks}")

    def do_close(self, *, cycle: str, **_: Any) -> None:
        c = selectors.cycle_get(name=cycle)
        services.cycle_close(cycle=c, via=VIA)
        grading = cycle_grading(cycle=c, mark=".")
        for row in grading.rows:
            missed = "  MISSED" if row.missed else ""
            self.stdout.write(f"{row.key}: {row.score:.1f} ({row.commitment}){missed}  {row.title}")
        self.stdout.write(f"cycle {c.name}: closed, {grading.missed} committed objective(s) missed")

    def do_carry(
        self,
        *,
        source: str,
        to: str | None,
        objective: list[str] | None,
        key_result: list[str] | None,
        **_: Any,
    ) -> None:
        c = selectors.cycle_get(name=source)
        objectives = []
        for key in objective or []:
            found = c.objectives.filter(key=key).first()
            if found is None:
                raise CommandError(f"--objective: no objective {key!r} in cycle {c.name}")
            objectives.append(found)
        key_results = [selectors.key_result_get(ref=ref, cycle=c) for ref in key_result or []]
        key_results += [
            kr
            for o in objectives
            for kr in o.key_results.filter(archived_at__isnull=True)
            if kr not in key_results
        ]
        report = services.cycle_carry_over(
            source=c, objectives=objectives, key_results=key_results, target_name=to, via=VIA
        )
        made = " (created)" if report.created_cycle else ""
        for kr in report.key_results:
            self.stdout.write(
                f"carried {kr.objective.key}/{kr.key}: baseline {kr.baseline} (final in {c.name})"
            )
        self.stdout.write(
            f"cycle {report.target.name}{made}: {len(report.objectives)} objective(s),"
            f" {len(report.key_results)} key result(s) carried from {c.name}"
        )

    def do_schedule(self, **_: Any) -> None:
        run_after = tasks.okr_schedule_ensure()
        self.stdout.write(
            f"weekly automatic check-in queued for {run_after:%Y-%m-%d %H:%M} UTC (run `recoup worker`)"
        )
