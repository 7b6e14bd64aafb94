from django.urls import path

from recoup.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:notification_id>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.settings_page, name="settings"),
    path("team-webhooks/", views.team_webhooks_page, name="team_webhooks"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
