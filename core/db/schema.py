"""Bringing a database to the current schema at start: a new one is made from the models, an existing one migrated.

Everything happens in one transaction that nothing else can write in meanwhile:
on SQLite `BEGIN IMMEDIATE` (Python's driver would otherwise commit each table
change on its own), on PostgreSQL an advisory lock. A migration that fails
therefore changes nothing, and two servers starting at once take turns.

On SQLite, foreign keys are off during the transaction: a migration that changes
a table rebuilds it (copy, drop, rename), and dropping a parent table with keys
on would first delete every child row marked ON DELETE CASCADE. After migrating,
the keys are checked instead. The rename is the legacy one, which does not re-check
the views over the table while it is briefly gone. A database already up to date is only read at
start, so it never waits for SQLite's write lock.
"""
from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry, NullPool
from sqlmodel import SQLModel

import core.db.models  # noqa: F401  (registers every table on SQLModel.metadata)
from core.db.engine import database_fault
from core.db.models import AuditEntry, table_of
from core.db.models.audit import APPEND_ONLY_TRIGGERS
from core.errors import ConfigError, StoreConnectError

if TYPE_CHECKING:  # for annotations only; the functions below import alembic where they use it
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# What databases made before migrations existed have, when they have every table and column.
BASELINE = "0001"
# The newest migration's revision, kept as a constant so that starting on an up-to-date database never loads
# Alembic (tests/core/db/test_schema.py checks it against the migrations folder): a new migration updates it.
HEAD_REVISION = "0008"
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('store_connect_migrations'))"
_log = logging.getLogger(__name__)


def prepare(engine: Engine, *, migrations: Path = MIGRATIONS) -> None:
    """Make the database match the models, or raise ConfigError (or DatabaseBusy, CannotWrite) with a plain message and change nothing."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        if fault := database_fault(exc):  # busy is not "cannot be opened": it opens once the other writer is done
            raise fault from None
        raise ConfigError(
            "DATABASE_URL",
            f"the database cannot be opened ({type(exc.orig).__name__}).",
            "Check that the server is running and the address, user and database name are right.",
        ) from None
    try:
        if _up_to_date(engine, migrations):  # the usual start: a read, no write lock
            _keep_audit_guards(engine)
            return
        with schema_transaction(engine) as connection:
            _prepare(connection, migrations)
    except StoreConnectError:
        raise
    except Exception as exc:  # the transaction was rolled back: nothing changed
        raise _migration_failed(exc) from None


def _known_head(migrations: Path) -> str | None:
    """HEAD_REVISION while it is still the newest migration file (a folder listing, no Alembic), else Alembic's
    answer: a migration added without updating the constant costs a slower start, never a skipped migration."""
    if migrations == MIGRATIONS:
        newest = max((path.name for path in (migrations / "versions").glob("[0-9]*.py")), default="")
        if newest.startswith(HEAD_REVISION + "_"):
            return HEAD_REVISION
    return head_revision(migrations)


def _up_to_date(engine: Engine, migrations: Path) -> bool:
    head = _known_head(migrations)
    with engine.connect() as connection:
        if "alembic_version" not in inspect(connection).get_table_names():
            return False
        # One row at the head; anything else (no row, several branches) is for Alembic to sort out.
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [head]


# --------------------------------------------------------------------------- the audit trail's guards

_GUARD_NAME = re.compile(r"CREATE (?:OR REPLACE )?(TRIGGER|FUNCTION) (\w+)")
_FUNCTION_BODY = re.compile(r"AS \$\$(.*)\$\$", re.DOTALL)
_AUDIT_TABLE = table_of(AuditEntry).name


def _guards(dialect: str) -> dict[tuple[str, str], str]:
    """(TRIGGER or FUNCTION, name) -> the statement that makes it, for the audit trail's guards on this dialect."""
    found = {}
    for each, statement in APPEND_ONLY_TRIGGERS:
        if each == dialect and (named := _GUARD_NAME.match(statement)):
            found[(named.group(1), named.group(2))] = statement
    return found


def _missing_audit_guards(connection: Connection) -> list[tuple[str, str]]:
    """The guards (triggers, and on PostgreSQL their functions) that are missing, disabled or not as we made them."""
    guards = _guards(connection.dialect.name)
    if connection.dialect.name == "sqlite":
        present: dict[str, str] = dict(connection.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{_AUDIT_TABLE}'").all())
        return [guard for guard, statement in guards.items() if present.get(guard[1]) != statement]
    if connection.dialect.name != "postgresql":
        return []
    triggers: dict[str, str] = dict(connection.exec_driver_sql(
        f"SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = '{_AUDIT_TABLE}'::regclass AND NOT tgisinternal").all())
    functions: dict[str, str] = dict(connection.exec_driver_sql(
        "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = current_schema()::regnamespace").all())
    missing = []
    for (kind, name), statement in guards.items():
        if kind == "TRIGGER":
            intact = triggers.get(name, "D") != "D"  # D: disabled
        else:
            body = _FUNCTION_BODY.search(statement)
            intact = body is not None and (functions.get(name) or "").strip() == body.group(1).strip()
        if not intact:
            missing.append((kind, name))
    return missing


def _keep_audit_guards(engine: Engine) -> None:
    """At start: refuse a database whose audit trail was moved away by hand, and put back any guard of it that was
    dropped, disabled or changed (the app would otherwise run on with a trail anyone could rewrite)."""
    with engine.connect() as connection:
        if _AUDIT_TABLE not in inspect(connection).get_table_names():
            raise ConfigError(
                "DATABASE_URL",
                f"the database has no audit trail (the table {_AUDIT_TABLE} is gone: renamed or dropped by hand), "
                "so nothing could be changed with a record of who did it.",
                "Restore the table from a backup of the database, or ask whoever changed the database by hand to put it back. "
                "Nothing was changed.",
            )
        missing = _missing_audit_guards(connection)
    if not missing:
        return
    guards = _guards(engine.dialect.name)
    with schema_transaction(engine) as connection:
        for kind, name in sorted(missing):  # FUNCTION (CREATE OR REPLACE) before the TRIGGER that calls it
            if kind == "TRIGGER":
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {_AUDIT_TABLE}" if engine.dialect.name == "postgresql" else ""))
            connection.exec_driver_sql(guards[(kind, name)])
    _log.warning("the audit trail's guards %s were missing, disabled or changed by hand, and were put back; "
                 "entries may have been changed meanwhile", ", ".join(name for _kind, name in missing))


def head_revision(migrations: Path = MIGRATIONS) -> str | None:
    """The newest migration's revision: what an up-to-date database records."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(migrations)).get_current_head()


def _alembic_config(migrations: Path) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations))
    return config


def _prepare(connection: Connection, migrations: Path) -> None:
    existing = set(inspect(connection).get_table_names())
    if "alembic_version" in existing:
        _upgrade(connection, migrations)
    elif existing & set(SQLModel.metadata.tables):
        # Made before migrations existed: usable when it has the baseline schema, then migrated from there.
        _refuse_outdated(_missing(connection, existing, _baseline_schema(migrations)))
        run_alembic(connection, migrations, "stamp", BASELINE)
        _upgrade(connection, migrations)
    else:
        # New: made from the models in one go, quicker than replaying every migration, and marked up to date.
        SQLModel.metadata.create_all(connection)
        run_alembic(connection, migrations, "stamp", "head")


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction fit for changing the schema (see the module's docstring); commits on success."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):  # a second engine would see another memory
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text(_LOCK))
            yield connection
        return
    waits = _busy_timeout_ms(engine)  # as long as the app's own connections wait
    sqlite = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": waits / 1000, "isolation_level": None})

    @event.listens_for(sqlite, "connect")
    def _keys_off(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={waits}")
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        dbapi_connection.execute("PRAGMA recursive_triggers=ON")
        # A table rebuild renames the copy to the old name; with views over the table (store_connect_mapping_v1),
        # SQLite's checked rename would refuse while the old table is gone. The view names the table, which is back.
        dbapi_connection.execute("PRAGMA legacy_alter_table=ON")

    @event.listens_for(sqlite, "begin")
    def _begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with sqlite.begin() as connection:
            yield connection
    finally:
        sqlite.dispose()


def _busy_timeout_ms(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())


def _upgrade(connection: Connection, migrations: Path) -> None:
    """Run the migrations the database lacks; on SQLite (keys off meanwhile), fail if they left rows without a parent."""
    before = _broken_keys(connection)
    run_alembic(connection, migrations, "upgrade", "head")
    broken = _broken_keys(connection) - before  # rows broken before (e.g. by hand) are not the migration's doing
    if broken:
        raise RuntimeError(f"the migration left rows without their parent in {sorted({table for table, *_ in broken})}")


def _broken_keys(connection: Connection) -> set[tuple[Any, ...]]:
    if connection.dialect.name != "sqlite":
        return set()  # PostgreSQL keeps its foreign keys on while migrating
    return {tuple(row) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")}


def _baseline_schema(migrations: Path) -> dict[str, set[str]]:
    """Table -> columns as the baseline migration makes them: what a database from before migrations must have."""
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as connection:
            run_alembic(connection, migrations, "upgrade", BASELINE)
            inspector = inspect(connection)
            return {table: {c["name"] for c in inspector.get_columns(table)} for table in inspector.get_table_names() if table != "alembic_version"}
    finally:
        scratch.dispose()


def run_alembic(connection: Connection, migrations: Path, action: str, revision: str) -> None:
    """`alembic stamp|upgrade REVISION` on this connection, inside its transaction."""
    from alembic import command

    config = _alembic_config(migrations)
    config.attributes["connection"] = connection  # core/db/migrations/env.py runs on it
    (command.stamp if action == "stamp" else command.upgrade)(config, revision)


def _missing(connection: Connection, existing: set[str], wanted: dict[str, set[str]]) -> list[str]:
    """Tables and table.columns of `wanted` that the database lacks."""
    inspector = inspect(connection)
    columns: list[str] = []
    tables: list[str] = []
    for table, names in sorted(wanted.items()):
        if table not in existing:
            tables.append(f"the table {table}")
            continue
        present = {column["name"] for column in inspector.get_columns(table)}
        columns.extend(f"{table}.{name}" for name in sorted(names - present))
    return columns + tables  # columns first: they tell which build made it


def _refuse_outdated(missing: list[str]) -> None:
    if missing:
        raise ConfigError(
            "DATABASE_URL",
            f"the database was made by an older version of Store Connect and lacks {', '.join(missing[:5])}"
            f"{' and more' if len(missing) > 5 else ''}.",
            "Keep the old file aside and start with a new database (another DATABASE_URL, or move the SQLite file away). "
            "To carry mappings over, first export them with the version that made the old file (Product mapping > Export, "
            "or python -m core mappings export), then add the stores again here and import the files.",
        )


def _migration_failed(exc: Exception) -> StoreConnectError:
    from alembic.util import CommandError

    if isinstance(exc, DBAPIError) and (fault := database_fault(exc)):
        return fault
    if isinstance(exc, CommandError) and "Can't locate revision" in str(exc):
        return ConfigError(
            "DATABASE_URL",
            "the database was made by a newer version of Store Connect than this one.",
            "Run the newer version, or point DATABASE_URL at another database. Nothing was changed.",
        )
    _log.exception("bringing the database up to date failed")
    return ConfigError(
        "DATABASE_URL",
        f"the database could not be brought up to date ({type(exc).__name__}); nothing was changed.",
        "The app's log has the details. Keep the database as it is and tell whoever maintains Store Connect.",
    )
