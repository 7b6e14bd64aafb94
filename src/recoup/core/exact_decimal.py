"""`ExactDecimalField`: a decimal column that keeps every digit on SQLite too (decision 0022).

SQLite has no decimal type. A `DecimalField` column gets NUMERIC affinity, so SQLite stores the
number as a binary float and keeps 15 significant digits: `123456789012.345678` reads back as
`123456789012.346`. This field stores the canonical decimal text (rounded to `decimal_places`,
half away from zero as PostgreSQL does) in a TEXT column on SQLite and reads it back as a
`Decimal`. On every other database it is a plain `DecimalField` (PostgreSQL `numeric` is exact).

On SQLite, equality and `in` compare the canonical text, so they are exact; `<`, `<=`, `>`, `>=`
compare as numbers (floats: ties beyond the 15th significant digit are not told apart). ORDER BY,
MAX and MIN on such a column compare text there, SUM and AVG add floats: do those in Python.
"""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import DataError, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import lookups
from django.db.models.sql.compiler import SQLCompiler

# SQLite's float keeps 15 significant digits; a sum or average it computes comes back as one.
_FLOAT_DIGITS = decimal.Context(prec=15)

_ST = TypeVar("_ST", contravariant=True)
_GT = TypeVar("_GT", covariant=True)

if TYPE_CHECKING:
    from django.db.models import DecimalField as _DecimalBase
else:

    class _DecimalBase(models.DecimalField):
        # The type checker sees Django's fields as generic (set and get types); at run time they
        # take no type arguments, so `_DecimalBase[...]` must hand back the class itself.
        def __class_getitem__(cls, _params: object) -> type:
            return cls


class ExactDecimalField(_DecimalBase[_ST, _GT]):
    def get_internal_type(self) -> str:
        # Not "DecimalField": Django's SQLite backend reads that type as a float, which would
        # undo the exact text before `from_db_value` sees it.
        return "ExactDecimalField"

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "sqlite":
            return "text"
        column_type = connection.data_types["DecimalField"]
        data = self.db_type_parameters(connection)
        return str(column_type(data) if callable(column_type) else column_type % data)

    def canonical_text(self, value: decimal.Decimal) -> str:
        """The one spelling stored on SQLite: fixed decimal places, no exponent, no "-0"."""
        if self.decimal_places is not None:
            try:
                value = value.quantize(
                    decimal.Decimal(1).scaleb(-self.decimal_places),
                    rounding=decimal.ROUND_HALF_UP,
                    context=self.context,
                )
            except decimal.InvalidOperation as exc:
                # PostgreSQL refuses the same value with "numeric field overflow".
                raise DataError(
                    f"{value} does not fit {self.max_digits} digits "
                    f"with {self.decimal_places} decimal places"
                ) from exc
        if value.is_zero():
            value = value.copy_abs()
        return format(value, "f")

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if connection.vendor != "sqlite":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "as_sql"):
            return value
        return self.canonical_text(self.to_python(value))

    def from_db_value(
        self, value: Any, expression: Any, connection: BaseDatabaseWrapper
    ) -> decimal.Decimal | None:
        if value is None or isinstance(value, decimal.Decimal):
            return value
        if isinstance(value, float):
            number = _FLOAT_DIGITS.create_decimal_from_float(value)
        else:
            number = decimal.Decimal(value)
        if self.decimal_places is None:
            return number
        try:
            return number.quantize(
                decimal.Decimal(1).scaleb(-self.decimal_places), context=self.context
            )
        except decimal.InvalidOperation:
            # A sum over many rows may need more digits than one row holds.
            return number


class _NumericOnSQLite(lookups.Lookup[Any]):
    """Order comparisons cast both sides to a number on SQLite, where the column is text."""

    def process_lhs(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, lhs: Any = None
    ) -> Any:
        sql, params = super().process_lhs(compiler, connection, lhs)
        if connection.vendor == "sqlite":
            sql = f"CAST({sql} AS REAL)"
        return sql, params

    def process_rhs(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        sql, params = super().process_rhs(compiler, connection)
        if connection.vendor == "sqlite":
            sql = f"CAST({sql} AS REAL)"
        return sql, params


@ExactDecimalField.register_lookup
class ExactGreaterThan(_NumericOnSQLite, lookups.GreaterThan[Any]):
    pass


@ExactDecimalField.register_lookup
class ExactGreaterThanOrEqual(_NumericOnSQLite, lookups.GreaterThanOrEqual[Any]):
    pass


@ExactDecimalField.register_lookup
class ExactLessThan(_NumericOnSQLite, lookups.LessThan[Any]):
    pass


@ExactDecimalField.register_lookup
class ExactLessThanOrEqual(_NumericOnSQLite, lookups.LessThanOrEqual[Any]):
    pass
