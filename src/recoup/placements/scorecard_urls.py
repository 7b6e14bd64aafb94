"""The agency scorecard's pages, at /placements/agencies/."""

from django.urls import path

from recoup.placements import scorecard_views as views

app_name = "agencies"

urlpatterns = [
    path("", views.agency_scorecard_page, name="scorecard"),
    path("export/", views.agency_scorecard_export, name="export"),
    path("commissions/", views.commission_rate_save, name="commission"),
]
