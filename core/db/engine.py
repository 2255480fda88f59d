"""Database engine and sessions. SQLite under data/ by default; PostgreSQL via DATABASE_URL.

Faults that are not bugs (another program holding the write lock longer than we wait, a full or read-only disk)
leave a unit of work as DatabaseBusy or CannotWrite with a plain message; the transaction is rolled back first,
so nothing is half-written.
"""
from __future__ import annotations

import errno
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

import core.db.models  # noqa: F401  (registers every table on SQLModel.metadata)
from core.errors import CannotWrite, DatabaseBusy, StoreConnectError
from core.i18n import _

DEFAULT_BUSY_TIMEOUT = 30.0  # seconds; DATABASE_BUSY_TIMEOUT


def make_engine(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """`busy_timeout`: seconds a statement waits for another writer's lock (SQLite) or any lock (PostgreSQL)."""
    milliseconds = int(busy_timeout * 1000)
    if url.startswith("sqlite:"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_timeout})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:  # per connection, so FKs always hold
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={milliseconds}")  # first: the pragmas below may wait for a lock too
            cursor.execute("PRAGMA foreign_keys=ON")
            # A REPLACE then fires the DELETE triggers of the row it replaces (the audit trail's guard among them).
            cursor.execute("PRAGMA recursive_triggers=ON")
            if path and path != ":memory:":
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA cache_size=-65536")  # 64 MB: large imports stop thrashing the 2 MB default
            cursor.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _postgres_lock_timeout(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # PostgreSQL waits for a lock for ever by default; a stuck session should give "busy, try again" instead.
        # A SET rather than a startup option, which connection poolers such as PgBouncer refuse.
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {milliseconds}")
        cursor.close()
        dbapi_connection.commit()

    return engine


def init_db(engine: Engine) -> None:
    """Bring the database to the current schema (core.db.schema). Raises ConfigError with a plain message."""
    from core.db.schema import prepare

    prepare(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error.

    A busy, full or read-only database leaves as DatabaseBusy or CannotWrite (after the rollback); every other
    error as it was raised.
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException as error:
            session.rollback()
            fault = database_fault(error) if isinstance(error, DBAPIError) else None
            if fault is None:
                raise
            raise fault from error


# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF) and PostgreSQL's SQLSTATEs that are faults, not bugs.
_SQLITE_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_SQLITE_FULL = {sqlite3.SQLITE_FULL}
_SQLITE_READ_ONLY = {sqlite3.SQLITE_READONLY}
_SQLITE_DISK = {sqlite3.SQLITE_IOERR}
_POSTGRES_BUSY = {"55P03", "40P01", "57014", "53300", "57P03"}  # lock timeout, deadlock, statement timeout, too many connections, starting up
_POSTGRES_FULL = {"53100"}  # disk_full
_POSTGRES_READ_ONLY = {"25006"}  # read_only_sql_transaction (a standby, or default_transaction_read_only)
_OS_FULL = {errno.ENOSPC, errno.EDQUOT}


def database_fault(error: DBAPIError) -> StoreConnectError | None:
    """DatabaseBusy or CannotWrite for a database error that is a fault of the moment or of the disk; None for any other."""
    cause = error.orig
    code = getattr(cause, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    state = getattr(cause, "sqlstate", None)
    os_error = next((e for e in _causes(error) if isinstance(e, OSError) and e.errno is not None), None)
    if primary in _SQLITE_BUSY or state in _POSTGRES_BUSY:
        return busy()
    if primary in _SQLITE_FULL or state in _POSTGRES_FULL or (os_error is not None and os_error.errno in _OS_FULL):
        return disk_full()
    if primary in _SQLITE_READ_ONLY or state in _POSTGRES_READ_ONLY or (os_error is not None and os_error.errno == errno.EROFS):
        return read_only()
    if primary in _SQLITE_DISK:
        return CannotWrite(
            _("The database file could not be written (a disk error: the disk may be full, removed or failing)."),
            _("Nothing was changed. Check the disk that holds the database, then try again."),
        )
    return None


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def busy() -> DatabaseBusy:
    return DatabaseBusy(
        _("The database is busy: another program or command kept it locked longer than we wait (DATABASE_BUSY_TIMEOUT)."),
        _("Nothing was changed. Try again in a minute. If it keeps happening, look for a stuck command or script using the same database."),
    )


def disk_full() -> CannotWrite:
    return CannotWrite(
        _("The database could not be written: the disk is full."),
        _("Nothing was changed. Free some space on the disk that holds the database, then try again."),
    )


def read_only() -> CannotWrite:
    return CannotWrite(
        _("The database could not be written: it is read-only (the file, its folder, the disk or the server allows no writing)."),
        _("Nothing was changed. Make the database writable for the user running Store Connect, then try again."),
    )
