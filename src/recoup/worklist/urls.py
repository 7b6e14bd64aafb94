from django.urls import path

from recoup.worklist import views

app_name = "worklist"
urlpatterns = [
    path("", views.worklist_page, name="index"),
    path("daily-calls/", views.daily_calls_action, name="daily_calls"),
    path("move/", views.move_action, name="move"),
]
