"""The weekly report of the demo ledger: its numbers are the dashboard's, its PDF is a real A4
PDF (rendered to PNG and kept as a screenshot), a team's reader sees only their team, and the
command writes the same report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pypdfium2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recoup.accounts.models import Role, Team
from recoup.accounts.scope import OutOfScopeError, Scope, scope_for
from recoup.accounts.services import team_member_add, user_create
from recoup.reports.render import report_html, report_pdf
from recoup.reports.weekly import HEADLINE, weekly_report_build
from recoup.web.dashboard import dashboard_build, dashboard_focus
from tests.reports.conftest import AS_OF, AT_RISK_REASON

pytestmark = pytest.mark.django_db

EVERYONE = Scope.organisation("tests")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
A4_POINTS = (595, 842)


def test_the_reports_figures_are_the_dashboards_for_the_same_day(demo: None) -> None:
    report = weekly_report_build(scope=EVERYONE, as_of=AS_OF)
    board = dashboard_build(focus=dashboard_focus(EVERYONE), as_of=AS_OF)
    tiles = {t.metric: t.value for t in board.tiles}
    for metric in ("cash_collected", "dso", "cei", "pct_90_plus"):
        assert report.headline_values[metric] is not None
        assert report.headline_values[metric] == tiles[metric], metric
    # The 90+ balance per team, as both pages print it.
    by_team = next(b for b in board.breakdowns if b.dimension == "team")
    column = by_team.headers.index("90+ days")
    dashboard_90 = {row.key: row.cells[column] for row in by_team.rows}
    report_90 = {m.key: m.cells[HEADLINE.index("ar_90_plus")][0] for m in report.by_team}
    assert report_90 == dashboard_90
    assert set(report_90) == {"North", "South", "Enterprise"}


def test_the_report_compares_with_last_week_and_last_year_and_names_what_is_at_risk(
    demo: None,
) -> None:
    report = weekly_report_build(scope=EVERYONE, as_of=AS_OF)
    dso = next(f for f in report.figures if f.metric == "dso")
    earlier = weekly_report_build(scope=EVERYONE, as_of=AS_OF - timedelta(days=7))
    assert dso.week_ago == earlier.headline_values["dso"]
    assert report.week_from == AS_OF - timedelta(days=6)
    assert [r.reason for r in report.risks] == [AT_RISK_REASON]
    assert report.risks[0].status == "at_risk"
    assert report.board, "the running cycles' objectives are on the board"
    assert report.rolled, "some accounts crossed 90 days in the week"
    assert report.rolled == sorted(report.rolled, key=lambda r: -r.rolled)
    assert all(d.change_text for d in report.drivers)


def test_the_pdf_is_a4_with_page_numbers_and_is_kept_as_pictures(demo: None) -> None:
    report = weekly_report_build(scope=EVERYONE, as_of=AS_OF)
    pdf = report_pdf(report)
    assert pdf.startswith(b"%PDF-")
    document = pypdfium2.PdfDocument(pdf)
    pages = len(document)
    assert pages >= 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    texts = []
    for index in range(pages):
        page = document[index]
        assert tuple(round(x) for x in page.get_size()) == A4_POINTS
        texts.append(page.get_textpage().get_text_range())
        page.render(scale=1.5).to_pil().save(
            SCREENSHOTS / f"weekly-report-pdf-page-{index + 1}.png"
        )
    assert f"Page 1 of {pages}" in texts[0]
    assert "Whole organisation" in texts[0]
    assert "28 Sep 2026" in texts[0]
    dso = next(f for f in report.figures if f.metric == "dso")
    assert dso.value_text in " ".join(texts)


def test_a_team_readers_report_holds_only_their_team(demo: None) -> None:
    viewer = user_create(username="vera", password="a long password 123", role=Role.VIEWER)
    team_member_add(team=Team.objects.get(name="North"), user=viewer)
    scope = scope_for(viewer)
    report = weekly_report_build(scope=scope, as_of=AS_OF)
    assert report.team == "North"
    assert report.organisation_label == "Team North"
    assert [m.key for m in report.by_team] == ["North"]
    north = weekly_report_build(scope=EVERYONE, as_of=AS_OF, team="North")
    assert report.headline_values == north.headline_values
    assert (
        report.headline_values != weekly_report_build(scope=EVERYONE, as_of=AS_OF).headline_values
    )
    with pytest.raises(OutOfScopeError):
        weekly_report_build(scope=scope, as_of=AS_OF, team="South")
    html = report_html(report).html
    assert "Team North" in html
    assert "Enterprise" not in html.split('aria-labelledby="moves-1"')[1].split("</section>")[0]


def test_the_command_writes_a_pdf_and_an_html_file(demo: None, tmp_path: Path) -> None:
    pdf = tmp_path / "weekly.pdf"
    call_command(
        "report",
        "weekly",
        "--as-of",
        AS_OF.isoformat(),
        "--team",
        "South",
        "--format",
        "pdf",
        "--output",
        str(pdf),
    )
    assert pdf.read_bytes().startswith(b"%PDF-")
    document = pypdfium2.PdfDocument(pdf.read_bytes())
    assert "Team South" in document[0].get_textpage().get_text_range()
    html = tmp_path / "weekly.html"
    call_command(
        "report", "weekly", "--as-of", AS_OF.isoformat(), "--format", "html", "--output", str(html)
    )
    assert "Weekly report: Whole organisation" in html.read_text()
    with pytest.raises(CommandError, match="no team 'Nowhere'"):
        call_command(
            "report", "weekly", "--team", "Nowhere", "--format", "pdf", "--output", str(pdf)
        )
