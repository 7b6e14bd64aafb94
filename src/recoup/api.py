"""The HTTP API: one NinjaAPI, each app contributing its router. Schema at /api/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Recoup API",
    version="1",
    description="Collections KPIs, OKRs and the receivables ledger.",
    urls_namespace="api",
)

# Each app's router is mounted here, e.g. api.add_router("/metrics", "recoup.metrics.api.router").
api.add_router("/okrs", "recoup.okrs.api.router")
api.add_router("/metrics", "recoup.metrics.api.router")
