"""Shared fixtures: a real fake gateway, a real database, settings pointing at both.

The database is a SQLite file per test, or the PostgreSQL server named by
TEST_DATABASE_URL (its tables are dropped and recreated for every test).
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text

from core.access import Actor, Role
from core.config import load_settings
from core.db.engine import make_engine
from core.runtime import open_runtime
from fake_walmart import FakeWalmart
from tests.fixtures.spreadsheets.corpus import add_store, open_database

ADMIN = Actor("test admin", Role.admin, "test")


def person(name: str, role: Role | None = Role.admin) -> Actor:
    return Actor(name, role, "test")


CLIENT_ID = "3f2b8c1e-9d4a-4f6b-8e2a-7c5d1b0a9e34"
CLIENT_SECRET = "Qm9vZ2llLXNlY3JldC1mb3ItdGVzdHMtb25seS0xMjM0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo"
SANDBOX_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
SANDBOX_SECRET = "U2FuZGJveC1zZWNyZXQtZm9yLXRlc3RzLW9ubHktOTg3NjU0MzIxMHp5eHd2dXRzcnFwb25tbGtqaWhnZmVkY2I"


@pytest.fixture
def gateway():
    with FakeWalmart() as gw:
        gw.add_key("production", CLIENT_ID, CLIENT_SECRET)
        gw.add_key("sandbox", SANDBOX_ID, SANDBOX_SECRET)
        yield gw


def reset_postgres(url: str) -> str:
    """An empty schema, whatever tables an earlier run (or another branch) left behind."""
    url = load_settings({"DATABASE_URL": url}, env_file=None).database_url
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def database_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    return reset_postgres(url) if url else f"sqlite:///{tmp_path / 'store_connect.db'}"


@pytest.fixture
def app_env(tmp_path, gateway, database_url) -> dict[str, str]:
    """Every setting the app reads, pointing at the fake gateway and the test database."""
    return {
        "DATABASE_URL": database_url,
        "WALMART_API_BASE_URL": gateway.base_url("production"),
        "WALMART_SANDBOX_API_BASE_URL": gateway.base_url("sandbox"),
        "STORE_CONNECT_KEY_FILE": str(tmp_path / "secret.key"),
        "STORE_CONNECT_SECRET_KEY": "",
        "WALMART_REQUEST_TIMEOUT": "5",
    }


@pytest.fixture
def settings(app_env):
    return load_settings(app_env, env_file=None)


@pytest.fixture
def runtime(settings):
    app = open_runtime(settings)
    yield app
    app.engine.dispose()


@pytest.fixture
def unique_name():
    return lambda prefix="Store": f"{prefix} {uuid.uuid4().hex[:6]}"


def database_dump(engine) -> str:
    """Every row of every table as text, to search for secrets the way an attacker with a dump would."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return "\n".join(connection.connection.dbapi_connection.iterdump())
        tables = [row[0] for row in connection.execute(text("select tablename from pg_tables where schemaname = current_schema()"))]
        return "\n".join(str(row) for table in tables for row in connection.execute(text(f'select * from "{table}"')))


@pytest.fixture
def cli(runtime, monkeypatch, capsys):
    """Run `python -m core ...` in-process; fails the test if a known secret is ever printed."""
    import io
    import sys

    from cli.main import main

    monkeypatch.delenv("WALMART_CLIENT_SECRET", raising=False)
    never_printed = [CLIENT_SECRET, SANDBOX_SECRET]

    def run(*argv, stdin=""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv), runtime_factory=lambda: runtime)
        out, err = capsys.readouterr()
        for secret in never_printed:
            assert secret not in out and secret not in err
        return code, out, err

    run.never_printed = never_printed
    return run


@pytest.fixture
def engine(database_url):
    """A fresh database with the schema and the sample catalog."""
    engine = open_database(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine):
    return add_store(engine, "Acme US")
