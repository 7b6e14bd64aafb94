from django.urls import path

from recoup.okrs import (
    calendar_views,
    checkin_views,
    closing_views,
    edit_views,
    export_views,
    plan_views,
    present_views,
    template_views,
    views,
)

app_name = "okrs"
urlpatterns = [
    path("", views.board, name="index"),
    path("templates/", template_views.templates_page, name="templates"),
    path("mine/", plan_views.mine, name="mine"),
    path("cycles/new/", plan_views.cycle_new, name="cycle_new"),
    path("cycles/<int:cycle_id>/close/", closing_views.cycle_close, name="cycle_close"),
    path("cycles/<int:cycle_id>/carry/", closing_views.cycle_carry, name="cycle_carry"),
    path(
        "cycles/<int:cycle_id>/objectives/new/",
        plan_views.objective_new,
        name="objective_new",
    ),
    path(
        "objectives/<int:objective_id>/key-results/new/",
        plan_views.key_result_new,
        name="key_result_new",
    ),
    path(
        "key-results/<int:key_result_id>/initiatives/new/",
        plan_views.initiative_new,
        name="initiative_new",
    ),
    path("objectives/<int:objective_id>/edit/", edit_views.objective_edit, name="objective_edit"),
    path(
        "objectives/<int:objective_id>/archive/",
        edit_views.objective_archive,
        name="objective_archive",
    ),
    path(
        "key-results/<int:key_result_id>/archive/",
        edit_views.key_result_archive,
        name="key_result_archive",
    ),
    path(
        "initiatives/<int:initiative_id>/edit/",
        edit_views.initiative_edit,
        name="initiative_edit",
    ),
    path(
        "initiatives/<int:initiative_id>/archive/",
        edit_views.initiative_archive,
        name="initiative_archive",
    ),
    path("map/", views.strategy_map, name="map"),
    path("cadence/", views.cadence, name="cadence"),
    path("calendar.ics", calendar_views.calendar_download, name="calendar_download"),
    path("calendar/address/", calendar_views.calendar_address, name="calendar_address"),
    # Outside the session: calendar apps send no cookies, the secret decides.
    path("calendar/<str:secret>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("export/", export_views.board_export, name="board_export"),
    path("present/", present_views.present_board, name="present_board"),
    path("key-results/<int:key_result_id>/", views.key_result_detail, name="key_result"),
    path("key-results/<int:key_result_id>/check-in/", views.checkin_add, name="checkin"),
    path(
        "key-results/<int:key_result_id>/check-in/preview/",
        checkin_views.checkin_preview,
        name="checkin_preview",
    ),
    path(
        "key-results/<int:key_result_id>/check-in/correct/",
        checkin_views.checkin_correct,
        name="checkin_correct",
    ),
    path(
        "key-results/<int:key_result_id>/check-in/withdraw/",
        checkin_views.checkin_withdraw,
        name="checkin_withdraw",
    ),
    path("key-results/<int:key_result_id>/edit/", views.key_result_edit, name="key_result_edit"),
    path(
        "key-results/<int:key_result_id>/suggest-target/",
        views.target_suggestion,
        name="target_suggestion",
    ),
    path(
        "key-results/<int:key_result_id>/override/",
        views.status_override_set,
        name="override_set",
    ),
    path(
        "key-results/<int:key_result_id>/override/clear/",
        views.status_override_clear,
        name="override_clear",
    ),
]
