from __future__ import annotations

import pytest
from django.core.management import call_command

from recoup.accounts.models import Role, User


@pytest.mark.django_db
def test_createsuperuser_makes_an_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password")
    call_command(
        "createsuperuser", username="root", email="root@example.org", interactive=False, verbosity=0
    )
    user = User.objects.get(username="root")
    assert user.is_superuser
    assert user.role == Role.ADMIN


@pytest.mark.django_db
def test_an_ordinary_user_is_still_a_viewer_by_default() -> None:
    assert User.objects.create_user("val", password="x").role == Role.VIEWER
