"""The weekly report as an e-mail: the HTML report with its charts as inline PNG parts (`cid:`
links, which mail clients show where they block data URIs and remote images), a plain-text part,
and the PDF attached."""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from recoup.reports.render import chart_cid, report_charts, report_html, report_pdf
from recoup.reports.weekly import WeeklyReport


def report_subject(report: WeeklyReport) -> str:
    return f"Weekly report: {report.organisation_label}, week ending {report.as_of:%d %b %Y}"


def report_text(report: WeeklyReport) -> str:
    lines = [report_subject(report), ""]
    for f in report.figures:
        lines.append(
            f"{f.title}: {f.value_text} ({f.change_text} on the week; target {f.target_text})"
        )
    if report.risks:
        lines += ["", "At risk:"]
        lines += [f"- {k.title}: {k.reason}" for k in report.risks]
    if report.green_red:
        lines += ["", "Reported green, data red:"]
        lines += [f"- {flag.title}: {flag.text}" for flag in report.green_red]
    if report.forecast_sentence:
        lines += ["", f"What we will collect: {report.forecast_sentence}."]
    lines += ["", "The full report is in the HTML part and the attached PDF."]
    return "\n".join(lines)


class ReportEmail(EmailMultiAlternatives):
    """An e-mail whose HTML part carries its images as related parts (multipart/related), named
    by the Content-IDs the HTML's `cid:` links point at."""

    def __init__(self, *args: Any, related: Sequence[tuple[str, bytes]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.related = list(related)

    def message(self, *, policy: Any = email.policy.default) -> Any:
        found = super().message(policy=policy)
        html = found.get_body(preferencelist=("html",)) if isinstance(found, EmailMessage) else None
        if html is not None:
            for index, (cid, png) in enumerate(self.related):
                html.add_related(
                    png,
                    "image",
                    "png",
                    cid=f"<{cid}>",
                    disposition="inline",
                    filename=f"chart-{index + 1}.png",
                )
        return found


def report_email(report: WeeklyReport, *, to: Sequence[str], attach_pdf: bool) -> ReportEmail:
    charts = report_charts(report, png=True)
    html = report_html(report, charts=charts, cid=True).html
    message = ReportEmail(
        subject=report_subject(report),
        body=report_text(report),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        related=[(chart_cid(i), chart.png) for i, chart in enumerate(charts)],
    )
    message.attach_alternative(html, "text/html")
    if attach_pdf:
        name = f"weekly-report-{report.as_of.isoformat()}.pdf"
        message.attach(name, report_pdf(report, charts=charts), "application/pdf")
    return message
