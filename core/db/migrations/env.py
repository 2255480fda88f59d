"""Alembic environment: runs on the connection core.db.schema hands over, or on DATABASE_URL from the alembic CLI."""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import core.db.models  # noqa: F401  (registers every table on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _migrate(connection: Connection) -> None:
    # render_as_batch: SQLite can only change a table by copying it, which batch mode does.
    # transactional_ddl: core.db.schema always runs this inside one transaction, SQLite included (BEGIN IMMEDIATE).
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, transactional_ddl=True)
    with context.begin_transaction():  # inside the caller's transaction: it commits or rolls back
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Writing migrations out as SQL (--sql) is not supported: run them against the database.")
connection = context.config.attributes.get("connection")
if connection is not None:
    _migrate(connection)
else:  # the alembic command line (see README), on the database the app is configured for
    from core.config import load_settings
    from core.db.engine import make_engine
    from core.db.schema import schema_transaction

    if context.config.config_file_name:
        fileConfig(context.config.config_file_name)
    settings = load_settings()
    engine = make_engine(settings.database_url, busy_timeout=settings.database_busy_timeout)
    with schema_transaction(engine) as cli_connection:
        _migrate(cli_connection)
    engine.dispose()
