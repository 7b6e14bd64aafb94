"""Configuration from the environment: every bad value stops start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from recoup.core.env import (
    env_bool,
    env_choice,
    env_float,
    env_header,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_time_zone,
)

RECOUP = str(Path(sys.executable).with_name("recoup"))
VAR = "RECOUP_TEST_SETTING"


@pytest.fixture
def setting(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv(VAR, raising=False)
    return monkeypatch


def test_an_unset_or_blank_variable_gives_the_default(setting: pytest.MonkeyPatch) -> None:
    assert env_int(VAR, 5, minimum=1, maximum=10) == 5
    setting.setenv(VAR, "  ")
    assert env_int(VAR, 5, minimum=1, maximum=10) == 5
    assert env_bool(VAR, True) is True
    assert env_str(VAR, "x") == "x"


def test_a_whole_number_is_read_within_its_bounds(setting: pytest.MonkeyPatch) -> None:
    setting.setenv(VAR, " 7 ")
    assert env_int(VAR, 5, minimum=1, maximum=10) == 7
    setting.setenv(VAR, "10")
    assert env_int(VAR, 5, minimum=1, maximum=10) == 10


@pytest.mark.parametrize("raw", ["0", "-1", "11", "abc", "2.5", "1e3"])
def test_a_whole_number_outside_its_bounds_or_not_a_number_is_refused_by_name(
    setting: pytest.MonkeyPatch, raw: str
) -> None:
    setting.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_int(VAR, 5, minimum=1, maximum=10)
    assert str(refused.value) == f"{VAR} must be a whole number from 1 to 10; got {raw!r}"


@pytest.mark.parametrize("raw", ["nan", "-0.5", "inf", "soon"])
def test_a_number_that_is_not_finite_and_in_range_is_refused(
    setting: pytest.MonkeyPatch, raw: str
) -> None:
    setting.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured, match=f"{VAR} must be a number from 0 to 3600"):
        env_float(VAR, 60.0, minimum=0, maximum=3600)


@pytest.mark.parametrize(
    ("raw", "value"), [("Yes", True), ("on", True), ("0", False), ("OFF", False)]
)
def test_true_and_false_are_read_in_their_usual_spellings(
    setting: pytest.MonkeyPatch, raw: str, value: bool
) -> None:
    setting.setenv(VAR, raw)
    assert env_bool(VAR, not value) is value


def test_a_word_that_is_neither_true_nor_false_is_refused(setting: pytest.MonkeyPatch) -> None:
    setting.setenv(VAR, "maybe")
    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool(VAR, False)
    assert (
        str(refused.value) == f"{VAR} must be true or false (or yes/no, on/off, 1/0); got 'maybe'"
    )


def test_a_choice_is_matched_without_case_and_returned_as_spelled(
    setting: pytest.MonkeyPatch,
) -> None:
    setting.setenv(VAR, "Info")
    assert env_choice(VAR, "WARNING", ("DEBUG", "INFO", "WARNING")) == "INFO"
    setting.setenv(VAR, "loud")
    with pytest.raises(ImproperlyConfigured) as refused:
        env_choice(VAR, "WARNING", ("DEBUG", "INFO", "WARNING"))
    assert str(refused.value) == f"{VAR} must be one of DEBUG, INFO, WARNING; got 'loud'"


def test_a_long_list_of_choices_is_described_not_listed(setting: pytest.MonkeyPatch) -> None:
    setting.setenv(VAR, "XYZ")
    codes = [f"C{n:02}" for n in range(40)]
    with pytest.raises(ImproperlyConfigured) as refused:
        env_choice(VAR, "C00", codes)
    assert str(refused.value) == f"{VAR} must be one of 40 known values; got 'XYZ'"


def test_text_with_a_pattern_must_match_it_whole(setting: pytest.MonkeyPatch) -> None:
    setting.setenv(VAR, "2GB")
    assert env_str(VAR, "1GB", pattern=r"[0-9]+GB", meaning="a size") == "2GB"
    setting.setenv(VAR, "1GB'; COPY x TO '/tmp/y")
    with pytest.raises(ImproperlyConfigured, match=f"^{VAR} must be a size; got "):
        env_str(VAR, "1GB", pattern=r"[0-9]+GB", meaning="a size")


def test_a_list_is_split_on_commas_and_an_empty_one_is_empty(setting: pytest.MonkeyPatch) -> None:
    setting.setenv(VAR, " a.example , b.example,,")
    assert env_list(VAR, ["x"]) == ["a.example", "b.example"]
    setting.setenv(VAR, "")
    assert env_list(VAR, ["x"]) == []


def test_a_secret_is_read_but_never_defaulted(setting: pytest.MonkeyPatch) -> None:
    assert env_secret(VAR) == ""
    setting.setenv(VAR, " s3cret ")
    assert env_secret(VAR) == "s3cret"


def test_a_time_zone_must_be_one_the_system_knows(setting: pytest.MonkeyPatch) -> None:
    setting.setenv(VAR, "Europe/Berlin")
    assert env_time_zone(VAR, "UTC") == "Europe/Berlin"
    for raw in ("Mars/Olympus", "../etc/passwd"):
        setting.setenv(VAR, raw)
        with pytest.raises(ImproperlyConfigured, match=f"{VAR} must be an IANA time zone name"):
            env_time_zone(VAR, "UTC")


@pytest.mark.parametrize(
    ("raw", "header"),
    [
        ("X-Forwarded-Proto", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("x-forwarded-proto: https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("X-Forwarded-Ssl: on", ("HTTP_X_FORWARDED_SSL", "on")),
    ],
)
def test_the_proxy_header_becomes_the_meta_key_django_reads(
    setting: pytest.MonkeyPatch, raw: str, header: tuple[str, str]
) -> None:
    setting.setenv(VAR, raw)
    assert env_header(VAR) == header


@pytest.mark.parametrize("raw", ["X_Forwarded_Proto", "X-Forwarded-Proto https", "-Proto"])
def test_a_proxy_header_that_is_not_a_header_name_is_refused(
    setting: pytest.MonkeyPatch, raw: str
) -> None:
    setting.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured, match=f"{VAR} must be a header name"):
        env_header(VAR)


def test_no_module_reads_the_environment_except_through_the_helpers() -> None:
    source = Path(__file__).parents[2] / "src" / "recoup"
    readers = ("os.environ.get(", "os.environ[", "os.getenv(", "environ.get(")
    offenders = [
        f"{path.relative_to(source)}:{number}"
        for path in source.rglob("*.py")
        if path.name != "env.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if any(reader in line for reader in readers)
    ]
    assert offenders == []


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RECOUP, "check"], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def instance_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RECOUP_DATA_DIR"] = str(tmp_path / "var")
    return env


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        (
            "RECOUP_LOGIN_MAX_FAILURES",
            "0",
            "RECOUP_LOGIN_MAX_FAILURES must be a whole number from 1 to 1000; got '0'",
        ),
        (
            "RECOUP_LOGIN_MAX_FAILURES",
            "-1",
            "RECOUP_LOGIN_MAX_FAILURES must be a whole number from 1 to 1000; got '-1'",
        ),
        (
            "RECOUP_LOGIN_LOCKOUT_MINUTES",
            "abc",
            "RECOUP_LOGIN_LOCKOUT_MINUTES must be a whole number from 1 to 10080; got 'abc'",
        ),
        (
            "RECOUP_HSTS_SECONDS",
            "a year",
            "RECOUP_HSTS_SECONDS must be a whole number from 0 to 63072000; got 'a year'",
        ),
        (
            "RECOUP_SSL_REDIRECT",
            "sometimes",
            "RECOUP_SSL_REDIRECT must be true or false (or yes/no, on/off, 1/0); got 'sometimes'",
        ),
        (
            "RECOUP_BASE_CURRENCY",
            "EURO",
            "RECOUP_BASE_CURRENCY must be an ISO 4217 currency code such as USD or EUR; got 'EURO'",
        ),
        (
            "RECOUP_KPI_ENGINE",
            "sparkle",
            "RECOUP_KPI_ENGINE must be one of duckdb, postgres, spark; got 'sparkle'",
        ),
        (
            "RECOUP_DUCKDB_MEMORY",
            "1GB'; SELECT 1; --",
            'RECOUP_DUCKDB_MEMORY must be a size such as 512MB or 2GB; got "1GB\'; SELECT 1; --"',
        ),
        (
            "RECOUP_WEB_WORKERS",
            "many",
            "RECOUP_WEB_WORKERS must be a whole number from 1 to 64; got 'many'",
        ),
    ],
)
def test_a_bad_value_stops_the_command_with_one_line_naming_the_variable(
    instance_env: dict[str, str], name: str, raw: str, message: str
) -> None:
    result = _check({**instance_env, name: raw})
    assert result.returncode == 78
    assert result.stderr == f"recoup: configuration error: {message}\n"
    assert result.stdout == ""


def test_a_bad_database_url_is_refused_without_repeating_its_password(
    instance_env: dict[str, str],
) -> None:
    result = _check({**instance_env, "DATABASE_URL": "mysql://recoup:hunter2@db.example/recoup"})
    assert result.returncode == 78
    assert result.stderr == (
        "recoup: configuration error: DATABASE_URL must be a sqlite:/// or postgres:// URL;"
        " got one for mysql\n"
    )
