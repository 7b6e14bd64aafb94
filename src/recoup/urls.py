from django.contrib import admin
from django.urls import include, path

from recoup.api import api
from recoup.web.forms import ThrottledAdminAuthenticationForm

# The admin's own log-in page is throttled like Recoup's.
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # The account workspace serves /ledger/customers/<id>/ (and the dispute queue) before the
    # ledger's own pages, which list the customers.
    path("ledger/", include("recoup.workspace.urls")),
    path("ledger/", include("recoup.ledger.urls")),
    path("okrs/", include("recoup.okrs.urls")),
    path("import/", include("recoup.ingest.urls")),
    path("compliance/", include("recoup.compliance.urls")),
    path("worklist/", include("recoup.worklist.urls")),
    path("dunning/", include("recoup.dunning.urls")),
    path("placements/agencies/", include("recoup.placements.scorecard_urls")),
    path("placements/", include("recoup.placements.urls")),
    path("audit/", include("recoup.accounts.urls")),
    path("reports/", include("recoup.reports.urls")),
    path("notifications/", include("recoup.notifications.urls")),
    path("", include("recoup.web.urls")),
]
