from django.urls import path

from recoup.ingest import views

app_name = "ingest"
urlpatterns = [
    path("", views.import_page, name="index"),
    path("run/", views.import_run, name="run"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<int:run_id>/import/", views.import_now, name="import_now"),
    path(
        "runs/<int:run_id>/problems/export/",
        views.run_problems_export,
        name="run_problems_export",
    ),
    path("map/<str:token>/", views.mapping_page, name="mapping"),
    path("templates/<str:kind>.csv", views.template_download, name="template"),
]
