"""The HTTP API: one NinjaAPI, each app contributing its router. Schema at /api/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

from recoup.accounts.api_auth import API_AUTH

api = NinjaAPI(
    title="Recoup API",
    version="1",
    description="Collections KPIs, OKRs and the receivables ledger.",
    urls_namespace="api",
    # Each router names its authentication too; this is the default for one that forgets, and
    # it tells the docs page (Swagger UI, `/api/docs`) to send the CSRF token with "Try it out".
    auth=API_AUTH,
)

# Each app's router is mounted here, e.g. api.add_router("/metrics", "recoup.metrics.api.router").
api.add_router("/okrs", "recoup.okrs.api.router")
api.add_router("/okrs", "recoup.okrs.closing_api.router")
api.add_router("/metrics", "recoup.metrics.api.router")
api.add_router("/compliance", "recoup.compliance.api.router")
api.add_router("/worklist", "recoup.worklist.api.router")
