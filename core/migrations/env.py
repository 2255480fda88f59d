"""Alembic environment: runs on the connection core.db.init_db hands over, or on DATABASE_URL from the alembic CLI."""
from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import core.models  # noqa: F401  (registers every table on SQLModel.metadata)
from core.db import make_engine

target_metadata = SQLModel.metadata


def _migrate(connection) -> None:
    # render_as_batch: SQLite can only change a table by copying it, which batch mode does.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two app servers starting at once must not both migrate: the second waits, then finds nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('store_connect_migrations'))"))
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _migrate(connection)
else:  # the alembic command line (see README): the database the app is configured for
    from core.config import load_settings

    engine = make_engine(load_settings().database_url)
    with engine.begin() as cli_connection:
        _migrate(cli_connection)
    engine.dispose()
