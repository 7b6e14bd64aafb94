"""Every ledger table the analytics sync follows by `updated_at` has that column indexed: the
sync's watermark (its latest value) and the read of what changed since are seeks, not scans."""

from __future__ import annotations

import pytest
from django.db import connection

from recoup.metrics.sync import _STAMPED

pytestmark = pytest.mark.django_db


def test_each_followed_table_has_updated_at_indexed() -> None:
    with connection.cursor() as cursor:
        unindexed = [
            table
            for table in sorted(_STAMPED)
            if not any(
                c["index"] and c["columns"] == ["updated_at"]
                for c in connection.introspection.get_constraints(cursor, table).values()
            )
        ]
    assert unindexed == []
