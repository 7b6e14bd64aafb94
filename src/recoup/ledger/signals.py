"""Notices other apps may act on, sent by the writers of the ledger.

`ledger_changed` is sent after a commit that changed ledger facts in bulk (an import). It carries
no data: a receiver reads what it needs. The KPI engine uses it to bring its analytics copy up to
date in the background (`recoup.metrics.tasks`); nothing depends on a receiver being there.
"""

from __future__ import annotations

from django.dispatch import Signal

ledger_changed = Signal()
