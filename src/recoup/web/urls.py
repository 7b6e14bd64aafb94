from django.urls import path

from recoup.web import views

app_name = "web"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/explain/<slug:metric>/", views.explain, name="explain"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/users/", views.settings_users, name="settings_users"),
    path("settings/teams/", views.settings_teams, name="settings_teams"),
    path("settings/kpis/", views.settings_kpis, name="settings_kpis"),
]
