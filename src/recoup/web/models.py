"""Failed log-ins, kept briefly so repeated guessing for one username from one address is locked out."""

from __future__ import annotations

from django.db import models


class LoginFailure(models.Model):
    # Lower-cased as typed: the throttle must hold for usernames that do not exist too.
    username = models.CharField(max_length=150)
    ip = models.CharField(max_length=45)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["username", "ip", "at"])]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip} at {self.at:%Y-%m-%d %H:%M:%S}"
