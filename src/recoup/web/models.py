"""Log-in attempts, kept for one lock-out window so repeated guessing for one username from one
address is locked out."""

from __future__ import annotations

from django.db import models


class LoginOutcome(models.TextChoices):
    # Claimed before the password is checked, so parallel guesses count before they finish; a
    # check that never reports back stays counted, as a failure would.
    CHECKING = "checking", "being checked"
    FAILED = "failed", "failed"


class LoginAttempt(models.Model):
    """One password check for a username from an address, holding one of its numbered slots.

    There are `LOGIN_MAX_FAILURES` slots per username and address, and the unique constraint lets
    each hold one attempt: a password is checked only after its attempt took a free slot, so no
    number of parallel requests gets more checks than there are slots. A slot frees when its
    attempt leaves the window, or when a later success forgets the failures before it.
    """

    # Lower-cased as typed: the throttle must hold for usernames that do not exist too.
    username = models.CharField(max_length=150)
    ip = models.CharField(max_length=45)
    slot = models.PositiveIntegerField()
    at = models.DateTimeField()
    outcome = models.CharField(
        max_length=10, choices=LoginOutcome.choices, default=LoginOutcome.CHECKING
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["username", "ip", "slot"], name="web_login_attempt_one_per_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip} at {self.at:%Y-%m-%d %H:%M:%S} ({self.outcome})"
