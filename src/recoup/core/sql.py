"""The only way text becomes SQL text (decision 0011): `ident` for a name, `lit` for a value.

Names from input (a file's columns, a preset's columns, templates and filters) and texts of a
preset (constants, value maps, formats, the time zone, the delimiter) enter SQL through these two
helpers, or as bound parameters; row values never enter SQL text at all. No Django here, so that
scripts and benchmarks that run before Django is set up quote with the same helpers, and
every app (ingest, metrics, ledger) uses the same pair.
"""

from __future__ import annotations


def ident(name: str) -> str:
    """`name` as a quoted SQL identifier: the only way a name that comes from input (a file's
    column, a preset's text) may enter SQL text (decision 0011). Any text but NUL is a name."""
    return '"' + _sql_text(name, "name").replace('"', '""') + '"'


def lit(value: str) -> str:
    """`value` as an SQL string literal (standard quoting: DuckDB, SQLite and PostgreSQL read
    backslashes literally). Data from rows is never written into SQL: only mapping texts."""
    return "'" + _sql_text(value, "text").replace("'", "''") + "'"


def _sql_text(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"SQL {what} must be text, not {type(text).__name__}")
    if "\x00" in text:
        # Engines take SQL as a C string: a NUL would cut the statement short (SQLite and
        # PostgreSQL refuse it). Readers and presets refuse NULs earlier, with a message.
        raise ValueError(f"an SQL {what} cannot hold a NUL character: {text!r}")
    return text
