"""The demo administrator: created once per instance with a random password kept in var/."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create

DEMO_ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str


def _credentials_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-login.txt"


def demo_admin_ensure() -> DemoLogin:
    """Create the demo admin on first call; later calls return the same login."""
    path = _credentials_file()
    if path.exists() and User.objects.filter(username=DEMO_ADMIN).exists():
        return DemoLogin(DEMO_ADMIN, path.read_text().strip())
    password = secrets.token_urlsafe(12)
    user = User.objects.filter(username=DEMO_ADMIN).first()
    if user is None:
        user_create(
            username=DEMO_ADMIN,
            password=password,
            role=Role.ADMIN,
            is_superuser=True,
            first_name="Demo",
            last_name="Admin",
            via="demo-login",
        )
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return DemoLogin(DEMO_ADMIN, password)
