from django.urls import path

from recoup.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.audit_page, name="audit"),
    path("export/", views.audit_export, name="audit_export"),
]
