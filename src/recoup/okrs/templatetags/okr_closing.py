"""`{{ mapping|of:key }}`: a value by a key held in a variable (the board's grades and carried
items are keyed by objective and key result id)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def of(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    return None if mapping is None else mapping.get(key)
