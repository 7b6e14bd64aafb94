"""`{% money minor currency %}`: an amount stored in minor units, as people read it."""

from __future__ import annotations

from django import template

from recoup.core.money import Money

register = template.Library()


@register.simple_tag
def money(minor: int, currency: str) -> str:
    return str(Money(int(minor), currency))
