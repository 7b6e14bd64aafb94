"""Sorting helpers every table shares (`recoup.core.exports`): in-memory rows with blanks last
and stable ties, nulls last in the database either way, and headers for a page's second table."""

from __future__ import annotations

from django.db.models.expressions import OrderBy
from django.http import QueryDict

from recoup.core.exports import order_empties_last, rows_sorted, sort_headers, sort_parse

KEYS = {"name": lambda r: r[0], "amount": lambda r: r[1]}
SORTS = {"name": ("name",), "amount": ("amount",)}
ROWS = [("b", 2), ("", 5), ("a", None), ("c", 2), ("a", 1)]


def test_in_memory_rows_sort_either_way_with_blanks_last_and_ties_in_their_order() -> None:
    up = rows_sorted(ROWS, sort_parse("amount", SORTS, "name"), KEYS)
    assert up == [("a", 1), ("b", 2), ("c", 2), ("", 5), ("a", None)]
    down = rows_sorted(ROWS, sort_parse("-amount", SORTS, "name"), KEYS)
    assert down == [("", 5), ("b", 2), ("c", 2), ("a", 1), ("a", None)]
    by_name = rows_sorted(ROWS, sort_parse("-name", SORTS, "name"), KEYS)
    assert by_name == [("c", 2), ("b", 2), ("a", None), ("a", 1), ("", 5)]


def test_nullable_fields_keep_their_nulls_last_in_the_database_either_way() -> None:
    allowed = {"country": ("country_or_blank", "name")}
    up = order_empties_last(sort_parse("country", allowed, "country"), {"country_or_blank"})
    assert isinstance(up[0], OrderBy)
    assert up[0].nulls_last is True
    assert up[0].descending is False
    assert up[1] == "name"
    down = order_empties_last(sort_parse("-country", allowed, "country"), {"country_or_blank"})
    assert isinstance(down[0], OrderBy)
    assert down[0].descending is True
    assert down[0].nulls_last is True
    assert down[1] == "-name"


def test_a_second_table_on_a_page_sorts_by_its_own_parameter_and_comes_back_to_itself() -> None:
    query = QueryDict("as_of=2026-09-30&sort_team=-ar_total&page=2")
    sort = sort_parse(query.get("sort_aging"), {"bucket": ("bucket",)}, "bucket")
    (bucket,) = sort_headers(
        sort, query, [("Bucket", "bucket", False)], param="sort_aging", anchor="table-aging"
    )
    assert bucket.aria_sort == "ascending"
    assert bucket.href == "?as_of=2026-09-30&sort_team=-ar_total&sort_aging=-bucket#table-aging"
