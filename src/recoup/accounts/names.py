"""How a person is named on pages and in messages: their full name, the username only when
they have none. One helper, so a page never shows `demo.north.02` for someone whose name is known."""

from __future__ import annotations


def person_name(user: object | None) -> str:
    """The full name of `user` (a `User`, or anything with `get_full_name`/`username`), else
    the username; "" for nobody."""
    if user is None:
        return ""
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or getattr(user, "username", ""))
