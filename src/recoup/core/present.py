"""Presentation mode, for a screen on a team's wall: pages full-screen in large type, each
showing for a while and then handing over to the next one, round and round. A page moves on with
`<meta http-equiv="refresh">` to the next page's address, which also reloads its numbers; no
script is needed, so the content security policy stays as strict as everywhere else."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from recoup.core.errors import RecoupError

DEFAULT_SECONDS = 60
MIN_SECONDS = 10
MAX_SECONDS = 3600
INTERVALS = (30, 60, 120, 300)  # the choices offered on the page


class PresentError(RecoupError, ValueError):
    """An interval that is not a whole number of seconds in range: the request's fault."""


@dataclass(frozen=True, slots=True)
class Present:
    seconds: int
    team: str

    def query(self) -> str:
        """The query string that keeps the interval and the team from page to page."""
        return urlencode(
            {k: v for k, v in (("every", str(self.seconds)), ("team", self.team)) if v}
        )


def present_parse(*, every: str | None, team: str | None) -> Present:
    """The interval (`?every=` seconds) and team (`?team=`, checked by each page) from a request."""
    text = (every or "").strip()
    if not text:
        seconds = DEFAULT_SECONDS
    else:
        if not text.isdigit() or not MIN_SECONDS <= int(text) <= MAX_SECONDS:
            raise PresentError(
                f"the interval must be a number of seconds from {MIN_SECONDS} to {MAX_SECONDS},"
                f" not {text[:20]!r}"
            )
        seconds = int(text)
    return Present(seconds=seconds, team=(team or "").strip()[:100])
