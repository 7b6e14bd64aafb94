"""Readers for the demo generator: whether the ledger is empty, and a fingerprint of its rows.

The fingerprint names rows by their natural keys (external ids, usernames, team names) instead of
database ids, so two ledgers generated from the same seed compare equal on any database, whatever
ids their sequences handed out.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from django.db import models

from recoup.accounts.models import Team, User
from recoup.ledger.models import (
    Activity,
    Adjustment,
    Agency,
    Allocation,
    Assignment,
    ContactPoint,
    Customer,
    Dispute,
    FxRate,
    Instalment,
    Invoice,
    Payment,
    PaymentPlan,
    Placement,
    PromiseToPay,
)

# Children before parents, so plain DELETEs never trip a foreign key.
LEDGER_MODELS_DELETE_ORDER: tuple[type[models.Model], ...] = (
    PromiseToPay,
    Activity,
    Instalment,
    PaymentPlan,
    Placement,
    Dispute,
    Adjustment,
    Allocation,
    Payment,
    Invoice,
    Assignment,
    ContactPoint,
    Customer,
    Agency,
    FxRate,
)


def ledger_tables_in_delete_order() -> list[str]:
    return [model._meta.db_table for model in LEDGER_MODELS_DELETE_ORDER]


def ledger_is_empty() -> bool:
    return not any(model._default_manager.exists() for model in LEDGER_MODELS_DELETE_ORDER)


def _natural_key(model: type[models.Model]) -> str:
    if model is User:
        return "username"
    if model is Team:
        return "name"
    return "external_id"


def _fingerprint_columns(model: type[models.Model]) -> list[str]:
    columns = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.is_relation and field.related_model is not None:
            related = field.related_model
            assert isinstance(related, type)
            columns.append(f"{field.name}__{_natural_key(related)}")
        else:
            columns.append(field.attname)
    return columns


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


def demo_ledger_fingerprint() -> dict[str, str]:
    """SHA-256 per ledger table over its rows in natural-key terms, order-independent."""
    prints = {}
    for model in LEDGER_MODELS_DELETE_ORDER:
        columns = _fingerprint_columns(model)
        rows = sorted(
            "\x1f".join(_text(v) for v in row)
            for row in model._default_manager.order_by()
            .values_list(*columns)
            .iterator(chunk_size=10_000)
        )
        digest = hashlib.sha256()
        digest.update("\x1e".join(columns).encode())
        for row in rows:
            digest.update(b"\x1e")
            digest.update(row.encode())
        prints[model._meta.db_table] = digest.hexdigest()
    return prints
