from django.urls import path

from recoup.reports import views

app_name = "reports"

urlpatterns = [
    path("weekly/", views.weekly_preview, name="weekly"),
    path("weekly/pdf/", views.weekly_pdf, name="weekly_pdf"),
    path("lists/", views.lists, name="lists"),
    path("lists/<int:list_id>/", views.list_edit, name="list_edit"),
    path("lists/<int:list_id>/delete/", views.list_delete, name="list_delete"),
]
