"""`recoup check --deploy` with the README's production settings has nothing to report, and the
embedded default stays on plain HTTP."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

RECOUP = str(Path(sys.executable).with_name("recoup"))

# The README's "Production" paragraph, variable for variable.
PRODUCTION = {
    "RECOUP_DEBUG": "false",
    "RECOUP_ALLOWED_HOSTS": "recoup.example.com",
    "RECOUP_SECURE_COOKIES": "true",
    "RECOUP_SSL_REDIRECT": "true",
    "RECOUP_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "RECOUP_HSTS_SECONDS": "31536000",
    "RECOUP_HSTS_PRELOAD": "true",
    "RECOUP_SMTP_HOST": "smtp.example.com",
}


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RECOUP, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def instance_env(tmp_path: Path) -> dict[str, str]:
    # A fresh instance's environment: none of Recoup's settings, nor what a test run sets for
    # itself (the browser tests allow Django's async-unsafe calls in their process).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RECOUP_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    env["RECOUP_DATA_DIR"] = str(tmp_path / "var")
    env["RECOUP_SECRET_KEY"] = secrets.token_urlsafe(48)  # 64 characters
    return env


def test_the_documented_production_settings_pass_the_deploy_check(
    instance_env: dict[str, str],
) -> None:
    result = _run("check", "--deploy", env={**instance_env, **PRODUCTION})
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("left_out", "warnings"),
    [
        ("RECOUP_HSTS_SECONDS", {"security.W004"}),
        ("RECOUP_SSL_REDIRECT", {"security.W008"}),
        ("RECOUP_HSTS_PRELOAD", {"security.W021"}),
        ("RECOUP_SECURE_COOKIES", {"security.W012", "security.W016"}),
    ],
)
def test_the_deploy_check_names_each_production_setting_left_out(
    instance_env: dict[str, str], left_out: str, warnings: set[str]
) -> None:
    env = {**instance_env, **{k: v for k, v in PRODUCTION.items() if k != left_out}}
    result = _run("check", "--deploy", env=env)
    assert set(re.findall(r"security\.W[0-9]+", result.stderr)) == warnings


def test_the_embedded_default_neither_redirects_nor_pins_https(
    instance_env: dict[str, str],
) -> None:
    result = _run(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE)",
        env=instance_env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False 0 None False"


def test_the_proxy_header_tells_django_a_request_came_over_https(
    instance_env: dict[str, str],
) -> None:
    probe = (
        "from django.conf import settings as s; from django.test import RequestFactory;"
        " secure = RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https');"
        " plain = RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='http');"
        " print(s.SECURE_PROXY_SSL_HEADER, secure.is_secure(), plain.is_secure())"
    )
    result = _run("shell", "--no-imports", "-c", probe, env={**instance_env, **PRODUCTION})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https') True False"
