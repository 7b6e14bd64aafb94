"""The weekly automatic check-in of KPI-bound key results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from recoup.core.errors import RecoupError
from recoup.okrs import kpi
from recoup.okrs.models import CheckIn, CheckInSource, Cycle, KeyResult
from recoup.okrs.services.checkins import checkin_write
from recoup.okrs.services.key_results import key_result_baseline_ensure


@dataclass(slots=True)
class AutoCheckinReport:
    as_of: date
    created: list[CheckIn] = field(default_factory=list)
    baselines: list[KeyResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def checkin_auto_run(
    *,
    today: date | None = None,
    cycle: Cycle | None = None,
    key_results: Iterable[KeyResult] | None = None,
    via: str = "okr-checkin-auto",
) -> AutoCheckinReport:
    """Check in every KPI-bound key result of the running cycles, and of cycles that ended in
    the last week (or of `cycle`), with the KPI engine's value as of `today` (the cycle end once
    it is over); with `key_results`, only those (a key result just created gets its first
    reading). Archived key results, and those of archived objectives, are left alone. Safe to
    run twice a day."""
    from recoup.okrs import selectors

    today = today or timezone.localdate()
    report = AutoCheckinReport(as_of=today)
    cycles = (
        [cycle]
        if cycle is not None
        # A cycle that ended in the last week still gets its closing reading, as of its last
        # day, for the end-of-cycle evaluation.
        else list(
            # A closed cycle is read-only: its grades were given on the readings it had.
            Cycle.objects.filter(
                starts_on__lte=today, ends_on__gte=today - timedelta(days=7), closed_at__isnull=True
            )
        )
    )
    titles = {m: info.title for m, info in kpi.kpi_definitions().items()}
    for c in cycles:
        as_of = min(today, c.ends_on)
        if as_of < c.starts_on:
            report.skipped.append(f"cycle {c.name}: starts {c.starts_on}")
            continue
        bound = (
            KeyResult.objects.filter(
                objective__cycle=c, archived_at__isnull=True, objective__archived_at__isnull=True
            )
            .exclude(metric="")
            .select_related("objective__cycle")
        )
        if key_results is not None:
            bound = bound.filter(pk__in=[kr.pk for kr in key_results])
        for kr in bound:
            ref = f"{c.name}/{kr.objective.key}/{kr.key}"
            with transaction.atomic():
                try:
                    if key_result_baseline_ensure(key_result=kr, on=as_of, via=via):
                        report.baselines.append(kr)
                except RecoupError as exc:
                    report.skipped.append(f"{ref}: no baseline ({exc})")
                    continue
                if CheckIn.objects.filter(
                    key_result=kr, data_date=as_of, source=CheckInSource.AUTOMATIC
                ).exists():
                    report.skipped.append(f"{ref}: already checked in for {as_of}")
                    continue
                reading = kpi.kpi_evaluate(
                    metric=kr.metric,
                    as_of=as_of,
                    params=kr.metric_params,
                    filters=kr.metric_filters,
                    window_days=kr.metric_window_days,
                )
                if reading.value is None:
                    report.skipped.append(f"{ref}: {kr.metric} has no value as of {as_of}")
                    continue
                try:
                    checkin = checkin_write(
                        key_result=kr,
                        value=reading.value,
                        confidence=selectors.key_result_confidence_for(
                            key_result=kr, value=reading.value, on=as_of
                        ),
                        comment=_drafted(kr, as_of)
                        or f"{titles.get(kr.metric, kr.metric)} read from the ledger"
                        f" as of {as_of:%-d %b %Y}",
                        data_date=as_of,
                        author=None,
                        via=via,
                        source=CheckInSource.AUTOMATIC,
                        ledger_as_of=reading.data_as_of,
                    )
                except RecoupError:
                    # Another run (a second worker, or cron beside the job) got there first.
                    report.skipped.append(f"{ref}: already checked in for {as_of}")
                    continue
                report.created.append(checkin)
    return report


def _drafted(key_result: KeyResult, as_of: date) -> str:
    """The check-in drafted from the data (value, change, its drivers, the forecast), as a
    person sees it on the check-in form; "" when the KPI gives no draft."""
    from recoup.okrs.draft import checkin_draft

    draft = checkin_draft(key_result=key_result, today=as_of)
    return "" if draft is None else draft.text
