from django.urls import path

from recoup.compliance import views

app_name = "compliance"
urlpatterns = [
    path("findings/", views.findings, name="findings"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
]
