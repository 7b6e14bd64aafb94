"""`recoup warm`: the analytics copy synced and the dashboards computed before anyone asks."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from recoup.compliance.selectors import time_zones_warm
from recoup.web.dashboard import dashboard_warm
from recoup.worklist.likelihood import LATE
from recoup.worklist.services import likelihood_current


class Command(BaseCommand):
    help = (
        "Sync the KPI engine's copy of the ledger and compute the dashboard for all teams and "
        "each team, table the debtors' time zones and fit the worklists' likelihoods when they "
        "are missing or old, so the first page after a start is served from warm caches."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        computed = dashboard_warm()
        zones = time_zones_warm()
        likelihood = likelihood_current()
        likelihood_current(question=LATE.key)  # the early warning's
        self.stdout.write(
            f"warmed {computed} dashboard{'s' if computed != 1 else ''} "
            f"and {zones} time zone{'s' if zones != 1 else ''} "
            f"in {time.perf_counter() - started:.1f} s; the worklists use the "
            f"{likelihood.method} fitted on {likelihood.trained_on}"
        )
