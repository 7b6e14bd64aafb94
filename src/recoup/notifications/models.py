"""Notifications: what was sent to whom (one row per person and key), how each channel delivered
it, and each person's choices (channels per event, quiet hours, digest, chat webhook)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from recoup.accounts.models import Team

User = settings.AUTH_USER_MODEL


class EventKind(models.TextChoices):
    CHECKIN_DUE = "checkin_due", "Check-in due"
    KEY_RESULT_OUTDATED = "key_result_outdated", "Key result outdated"
    CHECKIN_ESCALATION = "checkin_escalation", "Missed check-ins in your team"
    INITIATIVE_DUE = "initiative_due", "Initiative due or overdue"
    AT_RISK = "at_risk", "Key result at risk or off track"
    REPORTED_GREEN_DATA_RED = "reported_green_data_red", "Reported green, data red"
    IMPORT_FINISHED = "import_finished", "Import finished"
    IMPORT_FAILED = "import_failed", "Import failed or rejected"
    PROMISE_BROKEN = "promise_broken", "Broken promises"
    CALLBACK_DUE = "callback_due", "Call-backs due today"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    CHAT = "chat", "Chat"
    IN_APP = "in_app", "In the app"


class ChatFormat(models.TextChoices):
    SLACK = "slack", "Slack (or compatible: Mattermost, Rocket.Chat)"
    TEAMS = "teams", "Microsoft Teams"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    # Quiet hours: sent when they end (`due_at`).
    HELD = "held", "Held for quiet hours"
    # Goes out in the next daily digest (`due_at`).
    DIGEST = "digest", "Waiting for the digest"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # Nothing to send to (no e-mail address, no webhook): recorded so it is not tried again.
    NO_ADDRESS = "no_address", "Not sent: no address"


class Notification(models.Model):
    """One event told to one person. `key` (event, object, day) is unique per person: a producer
    that runs twice, or two workers at once, tell nobody twice."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=32, choices=EventKind.choices)
    key = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # A path inside Recoup ("/okrs/..."); e-mails and chat make it absolute with BASE_URL.
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)
    # Shown on the notifications page and counted by the bell (the person chose in-app).
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key"),
            models.CheckConstraint(
                condition=Q(event__in=EventKind.values), name="notification_event_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} to {self.user_id}"


class Delivery(models.Model):
    """The log of one channel's delivery of a notification: its status, when, and why it failed."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices)
    # When a held or digest delivery is to go out.
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Which sender claimed it (a conditional UPDATE): two workers never send the same delivery.
    claim = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notification", "channel"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="delivery_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


class Preference(models.Model):
    """A person's general choices; someone without a row has the defaults."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notify_preference")
    # The user model has no time zone: quiet hours and the digest hour are read in this one.
    time_zone = models.CharField(max_length=64, default="UTC")
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    digest = models.BooleanField(default=False)
    digest_at = models.TimeField(default="08:00")
    chat_webhook_url = models.URLField(max_length=500, blank=True)
    chat_format = models.CharField(
        max_length=8, choices=ChatFormat.choices, default=ChatFormat.SLACK
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(chat_format__in=ChatFormat.values), name="preference_chat_format_valid"
            ),
            models.CheckConstraint(
                condition=(Q(quiet_from__isnull=True) & Q(quiet_until__isnull=True))
                | (Q(quiet_from__isnull=False) & Q(quiet_until__isnull=False)),
                name="preference_quiet_hours_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class EventChoice(models.Model):
    """Which channels a person wants for one kind of event; an event without a row uses the
    defaults of `recoup.notifications.events`."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notify_choices")
    event = models.CharField(max_length=32, choices=EventKind.choices)
    email = models.BooleanField()
    chat = models.BooleanField()
    in_app = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="event_choice_once_per_event"),
            models.CheckConstraint(
                condition=Q(event__in=EventKind.values), name="event_choice_event_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} of {self.user_id}"


class TeamWebhook(models.Model):
    """A team's chat channel, set by an admin: team members without a webhook of their own who
    chose chat get their messages there."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="chat_webhook")
    url = models.URLField(max_length=500)
    chat_format = models.CharField(
        max_length=8, choices=ChatFormat.choices, default=ChatFormat.SLACK
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(chat_format__in=ChatFormat.values), name="team_webhook_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"chat webhook of team {self.team_id}"
