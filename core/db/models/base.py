from datetime import datetime, timezone
from typing import cast

from sqlalchemy import Table
from sqlmodel import SQLModel


def utc_now() -> datetime:
    """Aware UTC. SQLModel stores datetimes as UTC and gives them back aware on every database."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def table_of(model: type[SQLModel]) -> Table:
    """The table behind a table model, for Core statements (SQLModel does not declare `__table__` to type checkers)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]
