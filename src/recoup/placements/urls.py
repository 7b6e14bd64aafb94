from django.urls import path

from recoup.placements import views

app_name = "placements"
urlpatterns = [
    path("", views.placements_page, name="index"),
    path("prepare/", views.prepare_action, name="prepare"),
    path("batches/<int:placement_batch_id>/", views.batch_page, name="batch"),
    path("batches/<int:placement_batch_id>/approve/", views.approve_action, name="approve"),
    path("batches/<int:placement_batch_id>/export/", views.batch_export, name="batch_export"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:placement_rule_id>/", views.rule_edit, name="rule"),
    path("rules/<int:placement_rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("by-hand/", views.by_hand_page, name="by_hand"),
    path("recall/", views.recall_page, name="recall"),
]
