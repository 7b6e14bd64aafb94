"""The kinds of event Recoup tells people about: what each means and the channels a person gets
until they choose their own.

`reported_green_data_red` is sent by the OKR check that compares a key result's reported
confidence with its data (`notify_reported_green_data_red` in `recoup.okrs.reminders`); any other
producer calls `recoup.notifications.services.notification_send` with one of these kinds.
"""

from __future__ import annotations

from recoup.notifications.models import Channel, EventKind

# Chat needs a webhook first, so nobody gets it unasked.
DEFAULT_CHANNELS: frozenset[Channel] = frozenset({Channel.EMAIL, Channel.IN_APP})

EVENT_HELP: dict[EventKind, str] = {
    EventKind.CHECKIN_DUE: "On the cycle's check-in day, for key results you own and have not "
    "checked in this week.",
    EventKind.KEY_RESULT_OUTDATED: "A key result you own has gone without a check-in for longer "
    "than the cycle allows.",
    EventKind.CHECKIN_ESCALATION: "For team leads: someone in your team missed several weekly "
    "check-ins in a row.",
    EventKind.INITIATIVE_DUE: "An initiative you own is due today or overdue.",
    EventKind.AT_RISK: "A key result you own was checked in at risk or off track.",
    EventKind.REPORTED_GREEN_DATA_RED: "A key result you own is reported on track while its data "
    "says it is not.",
    EventKind.IMPORT_FINISHED: "An import you started has finished.",
    EventKind.IMPORT_FAILED: "An import you started failed or was rejected.",
    EventKind.PROMISE_BROKEN: "Promises to pay in your book that were broken.",
    EventKind.CALLBACK_DUE: "Your call-backs due today.",
}
