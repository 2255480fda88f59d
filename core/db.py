"""Database engine and sessions. SQLite under data/ by default; PostgreSQL via DATABASE_URL."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, create_engine

import core.models  # noqa: F401  (registers every table on SQLModel.metadata)
from core.errors import ConfigError


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # per connection, so FKs always hold
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            if path and path != ":memory:":
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA cache_size=-65536")  # 64 MB: large imports stop thrashing the 2 MB default
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def init_db(engine: Engine) -> None:
    """Bring the database to the current schema: a new one is created whole, an existing one is migrated.

    Raises ConfigError with a plain message when the database is unreachable, or
    when it was made by a build from before migrations and lacks columns.
    """
    try:
        existing = set(inspect(engine).get_table_names())
        if "alembic_version" in existing:
            migrate(engine)
            return
        if existing & set(SQLModel.metadata.tables):
            # Made before migrations existed: usable only if it already has every column.
            _refuse_outdated(_missing_columns(engine))
        # New (or pre-migration but current): create what is missing from the models in one go,
        # quicker than replaying every migration, and record it as up to date.
        SQLModel.metadata.create_all(engine)
        migrate(engine, stamp_only=True)
    except OperationalError as exc:
        raise ConfigError(
            "DATABASE_URL",
            f"the database cannot be opened ({type(exc.orig).__name__}).",
            "Check that the server is running and the address, user and database name are right.",
        ) from None


def migrate(engine: Engine, *, stamp_only: bool = False) -> None:
    """Apply the migrations in core/migrations/versions the database lacks; or, with `stamp_only`,
    record that it is up to date without running any (it was just made from the models)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection  # core/migrations/env.py runs on it
        if stamp_only:
            command.stamp(config, "head")
        else:
            command.upgrade(config, "head")


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


def _missing_columns(engine: Engine) -> list[str]:
    """table.column names the models have and the database's existing tables lack."""
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    missing = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in existing:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            missing.extend(f"{table.name}.{column.name}" for column in table.columns if column.name not in present)
    return missing


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
