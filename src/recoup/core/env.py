"""Reading configuration from the environment, failing loudly on values that make no sense.

Every environment variable Recoup reads goes through these helpers, so a bad value stops the
process at start-up with one line that names the variable, says what it must be and repeats what
it got, instead of surfacing later as a traceback or an HTTP 500.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
# Beyond this many choices a message lists none: a list of every currency helps nobody.
LISTED_CHOICES_MAX = 8


def _raw(name: str) -> str | None:
    """The variable's value, or None when it is unset or blank (blank means "use the default",
    as shells and unit files make unsetting awkward)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw


def _refuse(name: str, expected: str, raw: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} must be {expected}; got {raw!r}")


def env_str(name: str, default: str, *, pattern: str | None = None, meaning: str = "") -> str:
    """The text as given; with `pattern`, the whole value must match it (`meaning` says how, in
    words, for the message)."""
    raw = _raw(name)
    if raw is None:
        return default
    value = raw.strip()
    if pattern is not None and re.fullmatch(pattern, value) is None:
        raise _refuse(name, meaning or f"text matching {pattern}", raw)
    return value


def env_secret(name: str) -> str:
    """A secret, which no message may repeat; empty when unset."""
    return os.environ.get(name, "").strip()


def env_bool(name: str, default: bool) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise _refuse(name, "true or false (or yes/no, on/off, 1/0)", raw)


def env_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    return _env_number(
        name, default, int, f"a whole number from {minimum} to {maximum}", minimum, maximum
    )


def env_float(name: str, default: float, *, minimum: float, maximum: float) -> float:
    return _env_number(
        name, default, float, f"a number from {minimum:g} to {maximum:g}", minimum, maximum
    )


def _env_number[N: (int, float)](
    name: str, default: N, parse: Callable[[str], N], expected: str, minimum: N, maximum: N
) -> N:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = parse(raw.strip())
    except ValueError:
        raise _refuse(name, expected, raw) from None
    # NaN compares false with everything, so it fails this test too.
    if not minimum <= value <= maximum:
        raise _refuse(name, expected, raw)
    return value


def env_choice(name: str, default: str, choices: Iterable[str], *, meaning: str = "") -> str:
    """One of `choices`, matched without regard to case and returned as spelled in `choices`."""
    canonical = {choice.lower(): choice for choice in choices}
    raw = _raw(name)
    if raw is None:
        return default
    value = canonical.get(raw.strip().lower())
    if value is None:
        listed = sorted(canonical.values())
        if not meaning:
            meaning = (
                "one of " + ", ".join(listed)
                if len(listed) <= LISTED_CHOICES_MAX
                else f"one of {len(listed)} known values"
            )
        raise _refuse(name, meaning, raw)
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated values; set but empty means an empty list."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_time_zone(name: str, default: str) -> str:
    """An IANA time zone name such as Europe/Berlin."""
    raw = _raw(name)
    if raw is None:
        return default
    value = raw.strip()
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _refuse(name, "an IANA time zone name such as UTC or Europe/Berlin", raw) from None
    return value


def env_header(name: str) -> tuple[str, str] | None:
    """A request header and the value that marks a request as secure, for a TLS-terminating
    proxy: `X-Forwarded-Proto` (meaning `X-Forwarded-Proto: https`) or `Header-Name: value`.

    Returned as Django's SECURE_PROXY_SSL_HEADER wants it: ("HTTP_X_FORWARDED_PROTO", "https").
    """
    raw = _raw(name)
    if raw is None:
        return None
    header, _, value = raw.partition(":")
    header, value = header.strip(), value.strip() or "https"
    # Written as it travels (X-Forwarded-Proto): WSGI servers turn it into the META key, and
    # gunicorn drops underscored headers precisely because they would collide with that key.
    if re.fullmatch(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*", header) is None or not value.isprintable():
        raise _refuse(name, "a header name such as X-Forwarded-Proto (or 'Name: value')", raw)
    return "HTTP_" + header.upper().replace("-", "_"), value
