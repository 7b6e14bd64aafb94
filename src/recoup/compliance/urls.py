from django.urls import path

from recoup.compliance import views

app_name = "compliance"
urlpatterns = [
    path("findings/", views.findings, name="findings"),
    path("rules/", views.rules, name="rules"),
]
