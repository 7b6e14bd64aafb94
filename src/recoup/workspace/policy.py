"""The organisation's choices the workspace applies, read where the KPI engine reads them, so a
page and a number never disagree: the aging buckets of `ar_by_bucket` and the grace days of
`promise_kept_rate` (Settings → KPI variants)."""

from __future__ import annotations

from dataclasses import dataclass

from recoup.metrics.catalogue import CATALOGUE
from recoup.metrics.compiler import bucket_labels
from recoup.metrics.selectors import metric_defaults, with_defaults


def _params(metric: str) -> dict[str, str]:
    return CATALOGUE[metric].resolve_params(with_defaults(metric, {}, metric_defaults()))


def promise_grace_days() -> int:
    """Days after a promised date (or an instalment's due date) that a payment still keeps it."""
    return int(_params("promise_kept_rate")["grace_days"])


@dataclass(frozen=True, slots=True)
class Aging:
    """The aging buckets of `ar_by_bucket`: their labels, and the rule that puts an age in one
    (the same comparisons as `recoup.metrics.compiler.bucket_expr`)."""

    anchor: str  # "due" or "invoice"
    edges: tuple[int, ...]
    labels: tuple[str, ...]

    def label_of(self, age_days: int) -> str:
        labels = self.labels
        if self.anchor == "due":
            if age_days <= 0:
                return labels[0]
            labels = labels[1:]
        for edge, label in zip(self.edges, labels, strict=False):
            if age_days <= edge:
                return label
        return labels[-1]


def aging() -> Aging:
    params = _params("ar_by_bucket")
    edges = tuple(int(part) for part in params["buckets"].split(","))
    anchor = params["anchor"]
    return Aging(anchor, edges, tuple(bucket_labels(edges, anchor)))
