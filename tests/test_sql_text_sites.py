"""Every place in the source that hands SQL text to a database is made only of quoted names
(`recoup.core.sql`), reviewed constants and parameters (decision 0011).

The scan walks `src/recoup` and `bench` with `ast`: a call that takes SQL text whose text is not
a literal and not built only from the quoting helpers and module constants must be listed in
`REVIEWED`, with how many such calls its function has and why the text comes from code. The code
of issue 9's injection (the mapping page's unquoted column) is scanned as a fixture and found.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from recoup.ingest.kinds import KINDS

ROOT = Path(__file__).resolve().parents[1]


# Calls that take SQL text as their first argument.
SINKS = {"execute", "executemany", "executescript", "sql", "query", "RawSQL"}
AMBIGUOUS_SINKS = {"raw", "extra", "copy"}
# Quote any text (input included): the one pair of helpers, `recoup.core.sql` (re-exported by
# `recoup.ingest.parsing`), and `_in_list`, a list of `lit` values.
QUOTING = {"ident", "lit", "_in_list"}
# Django's `quote_name` does not escape quotes inside a name: safe only for names from code.
CODE_NAME_QUOTING = {"q", "col", "_q", "quote", "quote_name"}
SCANNED = [ROOT / "src" / "recoup", ROOT / "bench"]
SQL_WORDS = re.compile(
    r"\b(SELECT|FROM|WHERE|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|CASE|WHEN|COPY|SET|PRAGMA"
    r"|CAST|JOIN|VALUES|DATE|ATTACH)\b"
)
# Modules that assemble SQL text: there, no f-string may quote an interpolation by hand
# (`'{x}'`, `"{x}"`) unless what it interpolates is a module constant.
SQL_MODULES = [
    "src/recoup/ingest/",
    "src/recoup/metrics/sync.py",
    "src/recoup/metrics/engines.py",
    "src/recoup/metrics/duckdb_engine.py",
    "src/recoup/metrics/published_reads.py",
    "src/recoup/metrics/published.py",
    "src/recoup/core/db_changes.py",
    "src/recoup/metrics/extract.py",
    "src/recoup/ledger/selectors.py",
    "src/recoup/demo/",
    "src/recoup/core/bulk.py",
    "bench/",
]

# Every call whose SQL text is not a literal and not made only of quoted names and constants,
# by (file, function) and how many there are, with the reason the text comes from code and not
# from input. A new site, or one more in a listed function, fails the test until it is reviewed.
REVIEWED: dict[tuple[str, str], tuple[int, str]] = {
    # -- worklist -----------------------------------------------------------------------------
    ("src/recoup/worklist/features.py", "_raw_rows"): (
        1,
        "the SQL Django's compiler makes of a values_list queryset (model tables and fields of"
        " code, values as parameters), run without the per-value converters",
    ),
    # -- compliance ---------------------------------------------------------------------------
    ("src/recoup/compliance/facts.py", "_fetch"): (
        1,
        "`sql` is built by facts_load/_restrictions/_history from model tables through ident(),"
        " column names of code, CHANNEL_CODE and RestrictionKind constants through lit(); ids,"
        " days and instants are %s parameters",
    ),
    ("bench/bench_compliance.py", "_history_checks"): (
        1,
        "ident() of the activity table and the facts module's SQL helpers; the limit is %s",
    ),
    ("bench/bench_compliance.py", "_baseline_one"): (
        1,
        "constant text picked by whether the check names an invoice; every value is %s",
    ),
    # -- ingest -------------------------------------------------------------------------------
    ("src/recoup/ingest/date_formats.py", "_read"): (
        1,
        "compiled.sql from parsing.compile_record, as read_file: the column name goes"
        " through ident() and every format (the fixed DATE_FORMATS or a preset's) through lit()",
    ),
    ("src/recoup/ingest/readers.py", "open_source"): (
        2,
        "`relation` is read_csv/read_parquet of lit(path) with lit(delimiter) and an integer"
        " max_line_size; the view's column list is ident() of every name the file gives",
    ),
    ("src/recoup/ingest/readers.py", "_sniff"): (
        1,
        "sniff_csv of lit(path); options are constants, lit(delimiter) and an integer",
    ),
    ("src/recoup/ingest/readers.py", "_widest"): (
        1,
        "max/sum of strlen over ident() of every column name, from `relation` (as open_source)",
    ),
    ("src/recoup/ingest/readers.py", "_oversized_rows"): (
        1,
        "ident() of a column name, `relation` as open_source, `row` a constant expression and"
        " the limit an integer from the settings",
    ),
    ("src/recoup/ingest/staging.py", "StageBase.create"): (
        2,
        "the staging table's name is code (STAGE and the record's index in the mapping),"
        " its columns col(field) of KINDS fields and Dialect.column_type constants",
    ),
    ("src/recoup/ingest/staging.py", "StageBase.drop"): (
        1,
        "the staging table's name is code (STAGE and the record's index), in the temp schema",
    ),
    ("src/recoup/ingest/staging.py", "StageBase.index"): (
        1,
        "col() of the kind's key fields (KINDS)",
    ),
    ("src/recoup/ingest/staging.py", "StageBase._stream"): (
        1,
        "`sql` is built by the StageChecks/StageMerge methods from KINDS names, model tables and"
        " MINOR_UNIT_EXPONENT codes; values are %s parameters",
    ),
    ("src/recoup/ingest/remittances.py", "remittance_prepare"): (
        1,
        "the staging table's name is code (STAGE and the record's index), col() of a KINDS field",
    ),
    ("src/recoup/ingest/stage_merge.py", "StageMerge.discard"): (
        1,
        "only %s placeholders are joined",
    ),
    ("src/recoup/ingest/stage_merge.py", "StageMerge.dedupe"): (
        1,
        "col() of the kind's key fields",
    ),
    ("src/recoup/ingest/stage_merge.py", "StageMerge.merge"): (
        5,
        "table, columns and joins from KINDS specs and model tables; values are %s parameters;"
        " `rebuild` is SQLite's own CREATE INDEX text read back from sqlite_master",
    ),
    ("src/recoup/ingest/stage_merge.py", "StageMerge.preview"): (
        3,
        "the staging table (code), the kind's model table and joins from KINDS specs, as merge",
    ),
    ("src/recoup/ingest/loader.py", "ledger_mark"): (
        1,
        "model tables of the kinds' specs (Stage.reads: KINDS and ledger models); no input",
    ),
    ("src/recoup/ingest/pipeline.py", "read_file"): (
        1,
        "compiled.sql from parsing.compile_record: every file column and preset text goes"
        " through ident/lit there (tests above), field names come from KINDS",
    ),
    ("src/recoup/ingest/stage_merge.py", "StageMerge._drop_secondary_indexes"): (
        1,
        "index names read from sqlite_master for a kind's table (created by migrations)",
    ),
    ("src/recoup/ingest/stage_merge.py", "StageMerge._update"): (
        1,
        "SET list of KINDS db columns, values %s parameters",
    ),
    ("src/recoup/ingest/stage_merge.py", "StageMerge._allocate"): (
        2,
        "staging columns of the payments kind and model tables; ids are %s parameters",
    ),
    # -- metrics (read only here: reported to the lead, see decision 0011) ------------------------
    ("src/recoup/metrics/sync.py", "_source_stats"): (
        1,
        "TABLE_COLUMNS table quoted, in three subqueries, and a MAX(updated_at)/NULL constant",
    ),
    ("src/recoup/metrics/sync.py", "_earliest"): (
        1,
        "constant SQL or BUSINESS_DATES column and TABLE_COLUMNS table; ids are ? parameters",
    ),
    ("src/recoup/metrics/extract.py", "read_batches"): (
        1,
        "TABLE_COLUMNS names quoted; `where` is a constant of sync.py with %s parameters",
    ),
    ("src/recoup/metrics/duckdb_engine.py", "DuckDBEngine.materialize"): (
        2,
        "relation names and SQL made by the metrics compiler (ibis), names are its constants",
    ),
    ("src/recoup/metrics/duckdb_engine.py", "DuckDBEngine.run"): (1, "SQL compiled by ibis"),
    ("src/recoup/metrics/duckdb_engine.py", "latest_date"): (1, "_latest_sql(): constant SQL"),
    ("src/recoup/metrics/duckdb_engine.py", "Watermarks.read"): (
        1,
        "one of two constants, _WATERMARKS_SQL or _PUBLISHED_WATERMARKS_SQL",
    ),
    ("src/recoup/metrics/published_reads.py", "_Opened.make_static"): (
        1,
        "relation name of the metrics compiler quoted by ident; its SQL compiled by ibis",
    ),
    ("src/recoup/metrics/published_reads.py", "PublishedEngine._make_pending"): (
        1,
        "relation name of the metrics compiler quoted by ident; its SQL compiled by ibis",
    ),
    ("src/recoup/metrics/engines.py", "PostgresEngine.load_points"): (
        2,
        "the points table's columns are the compiler's own names (points_table); values are"
        " %s parameters",
    ),
    ("src/recoup/metrics/engines.py", "PostgresEngine.materialize"): (
        1,
        "SQL from the metrics compiler (its relation name quoted by ident)",
    ),
    ("src/recoup/metrics/engines.py", "PostgresEngine.run"): (1, "SQL compiled by ibis"),
    ("src/recoup/metrics/engines.py", "SparkEngine.materialize"): (1, "SQL compiled by ibis"),
    ("src/recoup/metrics/engines.py", "SparkEngine.run"): (1, "SQL compiled by ibis"),
    # -- ledger, core, demo ---------------------------------------------------------------------
    ("src/recoup/ledger/selectors.py", "ledger_fingerprint"): (
        1,
        "model tables of the ledger apps (code); no input",
    ),
    ("src/recoup/core/bulk.py", "_copy"): (
        1,
        "COPY into a code table and columns (staging table, demo tables); rows are data",
    ),
    ("src/recoup/core/bulk.py", "_SQLiteInserter.write"): (
        2,
        "INSERT head of a code table and columns, then only ? placeholders",
    ),
    ("src/recoup/ingest/problem_sort.py", "problems_sorted_from_report"): (
        1,
        "report columns of code (PROBLEM_SORTS keys through ident); the report path a ? parameter",
    ),
    ("src/recoup/core/scans.py", "scanned"): (
        2,
        "PRAGMA cache_size of a code constant, then the integer SQLite itself returned",
    ),
    ("src/recoup/demo/services.py", "_rollback_journal_for_load"): (
        1,
        "an integer SQLite itself returned (PRAGMA busy_timeout)",
    ),
    ("src/recoup/demo/services.py", "_large_page_cache"): (
        3,
        "integers: os.cpu_count() and values SQLite returned",
    ),
    ("src/recoup/demo/services.py", "demo_ledger_clear"): (1, "ledger model tables"),
    ("src/recoup/demo/writer.py", "_verify_references"): (
        2,
        "model tables and foreign key columns; ids are %s parameters",
    ),
    ("src/recoup/demo/writer.py", "_Table._write_sqlite"): (
        2,
        "model table and columns, derived column SQL written in the generator, ? placeholders",
    ),
    ("src/recoup/demo/writer.py", "_sqlite_bulk_load"): (
        2,
        "index names and CREATE INDEX text read back from sqlite_master",
    ),
    ("src/recoup/demo/writer.py", "write_ledger"): (
        1,
        "Django's sequence_reset_sql for the ledger models",
    ),
    # -- bench ----------------------------------------------------------------------------------
    ("bench/bench_demo.py", "_sqlite_copy_floor"): (
        2,
        "CREATE TABLE/INDEX text SQLite returned from the database the benchmark generated",
    ),
    ("bench/bench_kpi.py", "floor_sql"): (
        10,
        "hand-written floor SQL; its dates (AS_OF, _points()) are written with lit()",
    ),
    ("bench/bench_kpi.py", "_frames.df"): (1, "the constant SELECTs listed in _frames"),
}


# Names put between quotes by hand, each reviewed: none. Every app quotes with `recoup.core.sql`.
HAND_QUOTED_REVIEWED: dict[tuple[str, str], tuple[int, str]] = {}

Sites = dict[tuple[str, str], list[str]]


def _python_files() -> Iterator[Path]:
    for folder in SCANNED:
        for path in sorted(folder.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _constant_name(node: ast.expr) -> bool:
    """A module constant by convention: UPPER_CASE, or _UPPER_CASE."""
    if isinstance(node, ast.Attribute):
        return _constant_name(ast.Name(node.attr))
    return isinstance(node, ast.Name) and re.fullmatch(r"_?[A-Z][A-Z0-9_]*", node.id) is not None


def _safe_part(node: ast.expr) -> bool:
    """An interpolation that cannot carry input into SQL text."""
    if isinstance(node, ast.Constant):
        return True
    if _constant_name(node):
        return True
    if isinstance(node, ast.Call):
        name = _called_name(node)
        if name in QUOTING:
            return True
        if name in CODE_NAME_QUOTING:
            return all(_safe_part(a) for a in node.args)
        if (
            name == "join"
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Constant)
            and len(node.args) == 1
            and isinstance(node.args[0], ast.GeneratorExp | ast.ListComp)
        ):
            # ", ".join(ident(c) for c in columns): a list of quoted names
            return _safe_part(node.args[0].elt)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _safe_part(node.left) and _safe_part(node.right)
    return False


def _safe_sql(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if _constant_name(node):
        return True  # a module's constant SQL
    if isinstance(node, ast.IfExp):
        return _safe_sql(node.body) and _safe_sql(node.orelse)
    if isinstance(node, ast.JoinedStr):
        return all(
            isinstance(v, ast.Constant)
            or (isinstance(v, ast.FormattedValue) and _safe_part(v.value))
            for v in node.values
        )
    return False


def _texty(node: ast.expr | None) -> bool:
    """Text built in place: a literal, an f-string, `"..." % x` or a concatenation of text."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _texty(node.left)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _texty(node.left) or _texty(node.right)
    return False


class _Sites(ast.NodeVisitor):
    """SQL sinks given text that is not provably safe, and interpolations quoted by hand."""

    def __init__(self, relative: str) -> None:
        self.relative = relative
        self.scope: list[str] = []
        self.dynamic: Sites = {}
        self.hand_quoted: Sites = {}

    def _found(self, into: Sites, node: ast.AST, text: ast.expr) -> None:
        site = (self.relative, ".".join(self.scope))
        line = getattr(node, "lineno", 0)
        into.setdefault(site, []).append(f"{self.relative}:{line} {ast.unparse(text)[:100]}")

    def _enter(self, node: ast.AST, name: str) -> None:
        self.scope.append(name)
        self.generic_visit(node)
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._enter(node, node.name)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._enter(node, node.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._enter(node, node.name)

    def visit_Call(self, node: ast.Call) -> None:
        name = _called_name(node)
        first = node.args[0] if node.args else None
        is_sink = name in SINKS
        if name in AMBIGUOUS_SINKS:
            # `raw`, `extra` and `copy` are also everyday method names: SQL when given text, or
            # when called on a model manager.
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            is_sink = _texty(first) or (
                isinstance(receiver, ast.Attribute) and receiver.attr == "objects"
            )
        if is_sink and first is not None and not _safe_sql(first):
            self._found(self.dynamic, node, first)
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        """An interpolation quoted by hand: between quotes (`'{x}'`, `"{x}"`), or anywhere
        inside a quoted stretch of an f-string that reads as SQL (`'a date {word} '`)."""
        values = node.values
        text = "".join(str(v.value) for v in values if isinstance(v, ast.Constant))
        sql_like = SQL_WORDS.search(text) is not None
        seen = ""
        for i, part in enumerate(values):
            if isinstance(part, ast.Constant):
                seen += str(part.value)
                continue
            if not isinstance(part, ast.FormattedValue) or _safe_part(part.value):
                continue
            after = values[i + 1] if i + 1 < len(values) else None
            following = str(after.value) if isinstance(after, ast.Constant) else ""
            adjacent = any(seen.endswith(q) and following.startswith(q) for q in "'\"")
            inside = sql_like and any(seen.count(q) % 2 for q in "'\"")
            if adjacent or inside:
                self._found(self.hand_quoted, node, node)
        self.generic_visit(node)


def _scan_source(source: str, relative: str) -> tuple[Sites, Sites]:
    """(sinks given SQL text not provably safe, hand-quoted interpolations) by (file, function)."""
    sites = _Sites(relative)
    sites.visit(ast.parse(source, filename=relative))
    return sites.dynamic, sites.hand_quoted


def _scan() -> tuple[Sites, Sites]:
    dynamic: Sites = {}
    hand_quoted: Sites = {}
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        found, quoted = _scan_source(path.read_text(encoding="utf-8"), relative)
        dynamic.update(found)
        if any(relative.startswith(m) for m in SQL_MODULES):
            hand_quoted.update(quoted)
    return dynamic, hand_quoted


def _unreviewed(found: Sites, reviewed: dict[tuple[str, str], tuple[int, str]]) -> list[str]:
    return [
        f"{site} (found {len(lines)}, reviewed {reviewed.get(site, (0, ''))[0]}): {lines}"
        for site, lines in found.items()
        if reviewed.get(site, (0, ""))[0] != len(lines)
    ]


VULNERABLE = """
def mapping_draft(path):
    with open_source(path) as opened:
        columns = list(opened.columns)
        names = ", ".join(f'"{c}"' for c in columns)
        rows = opened.con.sql(f"SELECT {names} FROM src LIMIT {SAMPLE_ROWS}").fetchall()
"""
FIXED = """
def mapping_draft(path):
    with open_source(path) as opened:
        columns = list(opened.columns)
        rows = opened.con.execute(
            f"SELECT {', '.join(ident(c) for c in columns)} FROM src LIMIT {SAMPLE_ROWS}"
        ).fetchall()
"""


def test_the_scan_finds_the_code_of_issue_9_and_passes_its_fix() -> None:
    where = "src/recoup/ingest/mapping_edit.py"
    dynamic, hand_quoted = _scan_source(VULNERABLE, where)
    assert list(dynamic) == [(where, "mapping_draft")]
    assert list(hand_quoted) == [(where, "mapping_draft")]
    assert _scan_source(FIXED, where) == ({}, {})
    inside = "def f(word):\n    return f\"concat('a date {word} ', CAST(x AS VARCHAR))\"\n"
    assert _scan_source(inside, "x.py")[1]
    english = "def f(owner):\n    return f\"an invoice of this payment's customer ({owner}'s)\"\n"
    assert _scan_source(english, "x.py") == ({}, {})
    manager = "def f(sql):\n    return Customer.objects.raw(sql)\n"
    assert _scan_source(manager, "x.py")[0]
    assert _scan_source("def f(c):\n    return c.raw(c)\n", "x.py") == ({}, {})


def test_sql_text_is_made_only_of_quoted_names_and_reviewed_constants() -> None:
    dynamic, _ = _scan()
    unreviewed = _unreviewed(dynamic, REVIEWED)
    assert not unreviewed, (
        "SQL text assembled from strings: quote every name with parsing.ident and every value"
        " with parsing.lit (or bind it as a parameter), or review the site and list it in"
        " REVIEWED with the reason its text comes from code:\n" + "\n".join(unreviewed)
    )
    gone = sorted(set(REVIEWED) - set(dynamic))
    assert not gone, f"reviewed sites that no longer build SQL text (remove them): {gone}"


def test_no_sql_module_quotes_an_interpolation_by_hand() -> None:
    _, hand_quoted = _scan()
    unreviewed = _unreviewed(hand_quoted, HAND_QUOTED_REVIEWED)
    assert not unreviewed, (
        "quote with parsing.ident/lit, not with quotes around an f-string field:\n"
        + "\n".join(unreviewed)
    )
    gone = sorted(set(HAND_QUOTED_REVIEWED) - set(hand_quoted))
    assert not gone, f"reviewed hand-quoted sites that are gone (remove them): {gone}"


def test_the_names_sql_is_built_from_are_plain_identifiers() -> None:
    """What REVIEWED calls 'from code' is checked: a name that needed quoting would fail here."""
    from recoup.metrics.compiler import TABLE_COLUMNS
    from recoup.metrics.extract import BUSINESS_DATES

    plain = re.compile(r"[a-z_][a-z0-9_]*")
    names: list[str] = []
    for kind in KINDS.values():
        names += [kind.table, *kind.key]  # kind names (contact-points) are never SQL
        for f in kind.fields:
            names += [f.name, f.db_column or f.name]
            if f.ref is not None:
                names += [f.ref.table, f.ref.lookup]
    for table, columns in TABLE_COLUMNS.items():
        names += [table, *columns]
    for table, columns in BUSINESS_DATES.items():
        names += [table, *columns]
    assert [n for n in names if not plain.fullmatch(n)] == []
