"""Users with one role each, teams, team membership, and the audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    COLLECTOR = "collector", "Collector"
    VIEWER = "viewer", "Viewer"


class DecimalMark(models.TextChoices):
    """How a person writes the fraction of a number; the other mark separates thousands."""

    POINT = ".", "Point: 1,250.5"
    COMMA = ",", "Comma: 1.250,5"


class RecoupUserManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        # `recoup createsuperuser` makes someone who runs the place: show and treat them as admin.
        extra.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    # Set when an admin resets the password: the temporary one was seen by the admin, so the
    # person chooses their own before anything else (`recoup.web.middleware`).
    must_change_password = models.BooleanField(default=False)
    # Numbers this person types are read with their own decimal mark: "58,5" is 58.5 for someone
    # who writes a decimal comma and is refused (never read as 585) for someone who does not.
    decimal_mark = models.CharField(
        max_length=1, choices=DecimalMark.choices, default=DecimalMark.POINT
    )

    objects: ClassVar[RecoupUserManager] = RecoupUserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(decimal_mark__in=DecimalMark.values),
                name="user_decimal_mark_valid",
            ),
        ]


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    is_lead = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class AuditEntry(models.Model):
    """One change made through a service: who, when, what, and the fields before and after."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Commands and jobs act without a user; they name themselves here ("import", "demo-data").
    via = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=128)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"


class TokenKind(models.TextChoices):
    API = "api", "API token"
    CALENDAR = "calendar", "Calendar address"


class ApiToken(models.Model):
    """A personal secret that acts as its owner: an API bearer token, or a calendar address.

    Only the SHA-256 of the secret is stored (the secret is shown once, when it is made); the
    first characters are kept to tell tokens apart. Revoked tokens stay, as history.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    kind = models.CharField(max_length=16, choices=TokenKind.choices, default=TokenKind.API)
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=TokenKind.values), name="api_token_kind_valid"
            ),
            # One calendar address per person: "reset" revokes the old one and makes a new one.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(kind="calendar", revoked_at__isnull=True),
                name="api_token_one_calendar_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
