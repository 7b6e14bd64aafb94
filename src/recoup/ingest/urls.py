from django.urls import path

from recoup.ingest import views

app_name = "ingest"
urlpatterns = [
    path("", views.import_page, name="index"),
    path("run/", views.import_run, name="run"),
]
