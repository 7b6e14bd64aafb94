from django.urls import path

from recoup.web import (
    export_views,
    forecast_views,
    jobs_views,
    present_views,
    settings_views,
    views,
)

app_name = "web"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/explain/<slug:metric>/", views.explain, name="explain"),
    path(
        "dashboard/explain/<slug:metric>/export/",
        export_views.explain_export,
        name="explain_export",
    ),
    path("dashboard/export/", export_views.dashboard_export, name="dashboard_export"),
    path("dashboard/forecast/", forecast_views.forecast_card_view, name="forecast_card"),
    path("dashboard/forecast/export/", forecast_views.forecast_export, name="forecast_export"),
    path("dashboard/present/", present_views.present_dashboard, name="present_dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/users/", settings_views.settings_users, name="settings_users"),
    path("settings/users/<int:user_id>/", settings_views.settings_user, name="settings_user"),
    path(
        "settings/users/<int:user_id>/deactivate/",
        settings_views.settings_user_deactivate,
        name="settings_user_deactivate",
    ),
    path(
        "settings/users/<int:user_id>/reactivate/",
        settings_views.settings_user_reactivate,
        name="settings_user_reactivate",
    ),
    path(
        "settings/users/<int:user_id>/password-reset/",
        settings_views.settings_user_password_reset,
        name="settings_user_password_reset",
    ),
    path("settings/tokens/", settings_views.settings_tokens, name="settings_tokens"),
    path(
        "settings/number-format/",
        settings_views.settings_number_format,
        name="settings_number_format",
    ),
    path(
        "settings/tokens/<int:token_id>/revoke/",
        settings_views.settings_token_revoke,
        name="settings_token_revoke",
    ),
    path(
        "settings/calendar/reset/",
        settings_views.settings_calendar_reset,
        name="settings_calendar_reset",
    ),
    path("password/", settings_views.PasswordChangeView.as_view(), name="password_change"),
    # Outside the session-authenticated API: calendar apps send no cookies, the secret decides.
    path(
        "calendar/<str:secret>/<str:cycle>.ics", settings_views.calendar_feed, name="calendar_feed"
    ),
    path("settings/teams/", views.settings_teams, name="settings_teams"),
    path("settings/kpis/", views.settings_kpis, name="settings_kpis"),
    path("settings/jobs/", jobs_views.settings_jobs, name="settings_jobs"),
    path("settings/jobs/run/", jobs_views.settings_jobs_run, name="settings_jobs_run"),
    path("settings/jobs/export/", jobs_views.settings_jobs_export, name="settings_jobs_export"),
]
