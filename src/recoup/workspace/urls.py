from django.urls import path

from recoup.workspace import views

app_name = "workspace"
ACCOUNT = "customers/<int:customer_id>/"
urlpatterns = [
    path(ACCOUNT, views.account_page, name="account"),
    path(ACCOUNT + "timeline/", views.account_timeline_part, name="timeline"),
    path(ACCOUNT + "contacts/", views.contact_log_action, name="contact_log"),
    path(ACCOUNT + "promises/", views.promise_action, name="promise"),
    path(ACCOUNT + "plans/", views.plan_action, name="plan"),
    path(ACCOUNT + "disputes/", views.dispute_action, name="dispute"),
    path(
        ACCOUNT + "disputes/<int:dispute_id>/resolve/",
        views.dispute_resolve_action,
        name="dispute_resolve",
    ),
    path(ACCOUNT + "notes/", views.note_action, name="note"),
    path(ACCOUNT + "call-backs/", views.call_back_action, name="call_back"),
    path(
        ACCOUNT + "call-backs/<int:call_back_id>/done/",
        views.call_back_done_action,
        name="call_back_done",
    ),
    path(ACCOUNT + "contact-points/", views.contact_point_action, name="contact_point"),
    path(
        ACCOUNT + "contact-points/<int:point_id>/",
        views.contact_point_mark_action,
        name="contact_point_mark",
    ),
    path(ACCOUNT + "restrictions/", views.restriction_action, name="restriction"),
    path(
        ACCOUNT + "restrictions/<int:restriction_id>/end/",
        views.restriction_end_action,
        name="restriction_end",
    ),
    path(ACCOUNT + "flags/<int:flag_id>/clear/", views.flag_clear_action, name="flag_clear"),
    path("disputes/", views.dispute_queue_page, name="disputes"),
]
