"""What every model module shares: the clock, and typed access to a table and a saved row's id."""
from datetime import datetime, timezone
from typing import Final, Protocol

from sqlalchemy import Table, inspect
from sqlmodel import SQLModel

MAX_ID: Final = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL; a larger number names no row


def utc_now() -> datetime:
    """Aware UTC. SQLModel stores datetimes as UTC and gives them back aware on every database."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def table_of(model: type[SQLModel]) -> Table:
    """The Table behind a table model, for Core statements (SQLModel's type hints do not declare `__table__`)."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


class _Row(Protocol):
    id: int | None


def saved_id(row: _Row) -> int:
    """The primary key of a row that has been saved (loaded, or flushed after `add`): never None then."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id until it is flushed")
    return row.id
