"""The weekly report as an HTML document and as a PDF (WeasyPrint, A4).

One template (`reports/_weekly_body.html`) serves the preview page, the PDF and the e-mail; the
charts are the dashboard's specs drawn by `recoup.reports.charts`. The document carries its CSS
inside (a PDF renderer and a mail client fetch nothing), read from the app's static files so the
preview page and paper share one stylesheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from weasyprint import HTML  # type: ignore[import-untyped]

from recoup.reports.charts import Chart, chart_render
from recoup.reports.weekly import WeeklyReport

STATIC = Path(__file__).parent / "static" / "reports"


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    charts: list[Chart]


def report_charts(report: WeeklyReport, *, png: bool = False) -> list[Chart]:
    specs = [("Open receivables by aging bucket", report.aging_spec), *report.trend_specs]
    if report.forecast_spec:
        specs.append(("What we will collect, by week and source", report.forecast_spec))
    return [chart_render(spec, title=title, png=png) for title, spec in specs]


def chart_cid(index: int) -> str:
    return f"chart-{index}@recoup"


def body_context(report: WeeklyReport, charts: list[Chart], *, cid: bool = False) -> dict[str, Any]:
    return {
        "r": report,
        "charts": [
            {"title": c.title, "src": f"cid:{chart_cid(i)}" if cid else c.svg_data_uri}
            for i, c in enumerate(charts)
        ],
        "movements": [
            ("Movements by team", report.by_team),
            ("Top movements by collector", report.by_collector),
        ],
    }


def _css(*names: str) -> str:
    return "\n".join((STATIC / name).read_text(encoding="utf-8") for name in names)


def report_html(
    report: WeeklyReport, *, charts: list[Chart] | None = None, cid: bool = False
) -> Rendered:
    """The report as one HTML document; with `cid`, images point at inline e-mail parts."""
    drawn = charts if charts is not None else report_charts(report, png=cid)
    context = {**body_context(report, drawn, cid=cid), "css": _css("report.css")}
    return Rendered(render_to_string("reports/weekly_document.html", context), drawn)


def report_pdf(report: WeeklyReport, *, charts: list[Chart] | None = None) -> bytes:
    drawn = charts if charts is not None else report_charts(report)
    context = {**body_context(report, drawn), "css": _css("report.css", "paper.css")}
    html = render_to_string("reports/weekly_document.html", context)
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
