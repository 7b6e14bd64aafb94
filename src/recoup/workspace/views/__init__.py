"""The workspace's views: the pages (`pages`) and the actions on an account (`actions`)."""

from recoup.workspace.views.actions import (
    call_back_action,
    call_back_done_action,
    contact_log_action,
    contact_point_action,
    contact_point_mark_action,
    dispute_action,
    dispute_resolve_action,
    flag_clear_action,
    note_action,
    plan_action,
    promise_action,
    restriction_action,
    restriction_end_action,
)
from recoup.workspace.views.pages import account_page, account_timeline_part, dispute_queue_page

__all__ = [
    "account_page",
    "account_timeline_part",
    "call_back_action",
    "call_back_done_action",
    "contact_log_action",
    "contact_point_action",
    "contact_point_mark_action",
    "dispute_action",
    "dispute_queue_page",
    "dispute_resolve_action",
    "flag_clear_action",
    "note_action",
    "plan_action",
    "promise_action",
    "restriction_action",
    "restriction_end_action",
]
