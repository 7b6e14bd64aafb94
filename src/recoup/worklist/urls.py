from django.urls import path

from recoup.worklist import export_views, scorecard_views, segment_views, tracing_views, views

app_name = "worklist"
urlpatterns = [
    path("", views.worklist_page, name="index"),
    path("export/", export_views.worklist_export, name="export"),
    path("daily-calls/", views.daily_calls_action, name="daily_calls"),
    path("move/", views.move_action, name="move"),
    path("segments/", segment_views.segments_page, name="segments"),
    path("segments/save/", segment_views.segment_save_action, name="segment_save"),
    path("segments/remove/", segment_views.segment_delete_action, name="segment_delete"),
    path("early-warning/", segment_views.early_warning_page, name="early_warning"),
    path("scorecard/", scorecard_views.scorecard_page, name="scorecard"),
    path("scorecard/target/", scorecard_views.target_action, name="target"),
    path("trace/", tracing_views.trace_page, name="trace"),
    path("trace/<int:customer_id>/found/", tracing_views.trace_found_action, name="trace_found"),
]
