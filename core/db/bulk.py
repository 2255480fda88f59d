"""Working with many rows in one statement: fast multi-row INSERT, and IN (...) lists cut to a size every database accepts."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import repeat
from typing import Any, TypeVar

from sqlalchemy import Table, insert
from sqlmodel import Session

IN_CHUNK = 900  # values per IN (...) statement; under every database's parameter limit

_T = TypeVar("_T")


def insert_many(session: Session, table: Table, columns: Mapping[str, Any]) -> None:
    """INSERT many rows in a single driver call (executemany), without per-row SQLAlchemy processing.

    `columns` maps each column to its values, one per row (a list of plain
    str/int/None), or to one value for every row, such as a timestamp, which is
    converted by the column's type once instead of for every row. The SQL is
    compiled by SQLAlchemy for the session's database, so this works on SQLite
    and PostgreSQL alike. For 100,000 rows this is several times faster than
    session.execute(insert(...), rows).
    """
    if not any(isinstance(values, list) and values for values in columns.values()):
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))

    def values_of(name: str) -> Iterable[Any]:
        values = columns[name]
        if isinstance(values, list):
            return values
        processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        return repeat(processor(values) if processor else values)

    parameters: list[tuple[Any, ...]] | list[dict[str, Any]]
    if compiled.positional:
        parameters = list(zip(*(values_of(name) for name in compiled.positiontup or ())))
    else:
        keys = [compiled.bind_names[compiled.binds[name]] for name in columns]
        parameters = [dict(zip(keys, row)) for row in zip(*(values_of(name) for name in columns))]
    connection.exec_driver_sql(compiled.string, parameters)


def in_chunks(values: Iterable[_T]) -> Iterator[list[_T]]:
    """`values` in lists of at most IN_CHUNK, one per IN (...) statement."""
    values = list(values)
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]
