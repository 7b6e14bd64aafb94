"""The contact rules as the workspace uses them: the one module that calls `recoup.compliance`
(its check, its dated restrictions). The engine decides; the workspace shows and records.
`hit_json` is how a block or warning is kept in an audit entry and an override, so that the
decision can be replayed."""

from __future__ import annotations

from typing import Any

from recoup.compliance.engine import RuleHit, Verdict
from recoup.compliance.models import ContactChannel, Restriction, RestrictionKind
from recoup.compliance.selectors import contact_check, restrictions_of
from recoup.compliance.services import RestrictionError, restriction_end, restriction_record


def hit_json(hit: RuleHit) -> dict[str, Any]:
    return hit.as_json()


__all__ = [
    "ContactChannel",
    "Restriction",
    "RestrictionError",
    "RestrictionKind",
    "RuleHit",
    "Verdict",
    "contact_check",
    "hit_json",
    "restriction_end",
    "restriction_record",
    "restrictions_of",
]
