"""An instant column read as epoch seconds (float) by the database itself.

The digest reads ~100,000 instants at a million tickets; turning each into an aware datetime (the
UTCDateTime type) and back into a number cost more than the query. The stored values are UTC on both
backends: SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' text (strftime('%s') reads it as UTC, the fraction
is added back exactly), PostgreSQL a timestamptz."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class epoch(FunctionElement[float]):  # lower case: reads like the SQL function it stands for
    type = Float()
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]):
        super().__init__(column)


@compiles(epoch, "sqlite")
def _sqlite(element: epoch, compiler: Any, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    return f"(CAST(strftime('%s', {value}) AS REAL) + CAST(substr({value}, 20) AS REAL))"


@compiles(epoch, "postgresql")
def _postgresql(element: epoch, compiler: Any, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(EXTRACT(EPOCH FROM {value}) AS DOUBLE PRECISION)"
