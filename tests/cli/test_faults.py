"""The CLI under faults that are not bugs: each ends with one plain message and its documented exit code, never a
traceback, and nothing half-written.

  3 conflict   4 busy or locked database   5 cannot write (full or read-only disk)   2 bad numbers and settings
"""
from __future__ import annotations

import errno
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from cli.main import EXIT_BUSY, EXIT_CANNOT_WRITE, EXIT_CONFLICT, EXIT_OK, EXIT_USAGE, main
from core.config import load_settings
from core.db.engine import session_scope
from core.mapping import imports as mapping_imports
from core.runtime import open_runtime
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, database_dump
from tests.fixtures.spreadsheets.corpus import add_store, csv_bytes, mapping_state, open_database

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = [[f"WM-{n}", "MUG-WHITE", "1"] for n in range(3000)]


@pytest.fixture
def settings_for(tmp_path, database_url):
    open_database(database_url).dispose()  # the schema and the test catalog
    base = {"DATABASE_URL": database_url, "STORE_CONNECT_KEY_FILE": str(tmp_path / "key"), "STORE_CONNECT_SECRET_KEY": ""}
    return lambda **extra: load_settings({**base, **extra}, env_file=None)


@pytest.fixture
def run(settings_for, capsys, monkeypatch):
    """`python -m core ...` in-process on a fresh runtime (as a new process would be), with extra settings."""
    runtimes = []

    def run(*argv, stdin="", **settings):
        import io

        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        monkeypatch.delenv("WALMART_CLIENT_SECRET", raising=False)

        def factory():
            runtimes.append(open_runtime(settings_for(**settings)))
            return runtimes[-1]

        code = main([str(a) for a in argv], runtime_factory=factory)
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    yield run
    for runtime in runtimes:
        if "engine" in runtime.__dict__:
            runtime.engine.dispose()


def _stores(database_url) -> list[str]:
    engine = create_engine(load_settings({"DATABASE_URL": database_url}, env_file=None).database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT name FROM store ORDER BY name")).scalars())
    finally:
        engine.dispose()


def _add(run, name, **settings):
    # One key on many stores is what these tests need (they are about concurrency), so it is confirmed.
    return run("stores", "add", "--name", name, "--client-id", CLIENT_ID, "--allow-duplicate", stdin=CLIENT_SECRET, **settings)


# --------------------------------------------------------------------------- conflict: 3


def test_a_conflict_exits_3_and_saves_nothing(run, settings_for, tmp_path, monkeypatch):
    """Someone else imports into the store between this import's plan and its write."""
    store = add_store(open_runtime(settings_for()).engine, "Acme US")
    planned = mapping_imports.plan_import

    def plan_then_someone_else_saves(*args, **kwargs):
        plan = planned(*args, **kwargs)
        other = open_runtime(settings_for())
        with session_scope(other.engine) as session:
            theirs = planned(session, store, csv_bytes([["WM-OTHER", "TEA-BOX", "1"]]), "other.csv")
            mapping_imports.apply_plan(session, theirs, actor=ADMIN)
        other.engine.dispose()
        return plan

    monkeypatch.setattr(mapping_imports, "plan_import", plan_then_someone_else_saves)
    upload = tmp_path / "m.csv"
    upload.write_bytes(csv_bytes([["WM-1", "MUG-WHITE", "1"]]))
    code, _, err = run("mappings", "import", upload, "--store", "Acme US")
    assert code == EXIT_CONFLICT == 3
    assert err.startswith("error: ") and "someone else" in err.lower()
    assert mapping_state(open_runtime(settings_for()).engine, store) == {"WM-OTHER": [("TEA-BOX", 1)]}  # theirs, not half of ours


# --------------------------------------------------------------------------- busy: 4


class _Lock:
    """Another program holding the database's write lock (SQLite) or a table lock (PostgreSQL) until released."""

    def __init__(self, database_url: str):
        self.url = load_settings({"DATABASE_URL": database_url}, env_file=None).database_url
        if self.url.startswith("sqlite"):
            self.connection = sqlite3.connect(self.url.split("///", 1)[1], isolation_level=None, check_same_thread=False)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            self.connection = psycopg.connect(self.url.replace("postgresql+psycopg", "postgresql"))
            self.connection.execute("LOCK TABLE store, credential, auditentry IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        self.connection.rollback()
        self.connection.close()


def test_a_database_locked_longer_than_the_timeout_exits_4_and_changes_nothing(run, database_url):
    assert _add(run, "Before")[0] == EXIT_OK  # the key check row and schema are in place
    lock = _Lock(database_url)
    try:
        started = time.monotonic()
        code, out, err = _add(run, "Blocked", DATABASE_BUSY_TIMEOUT="1")
        waited = time.monotonic() - started
    finally:
        lock.release()
    assert code == EXIT_BUSY == 4
    assert "busy" in err and "Nothing was changed" in err and "Try again" in err and not out
    assert waited >= 0.9  # it waited for the other writer before giving up
    assert _stores(database_url) == ["Before"]


def test_a_writer_that_finishes_within_the_timeout_is_waited_for(run, database_url):
    assert _add(run, "Before")[0] == EXIT_OK
    lock = _Lock(database_url)
    releaser = threading.Timer(1.5, lock.release)
    releaser.start()
    try:
        code, _, err = _add(run, "After", DATABASE_BUSY_TIMEOUT="20")
    finally:
        releaser.join()
    assert code == EXIT_OK, err
    assert _stores(database_url) == ["After", "Before"]


def test_a_locked_database_at_start_is_busy_not_unopenable(run, database_url):
    """Opening waits for the lock too (switching a database to WAL needs it): busy, exit 4, not 'cannot be opened'."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's journal mode")
    path = database_url.split("///", 1)[1]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = run("stores", "list", DATABASE_BUSY_TIMEOUT="1")
    finally:
        holder.rollback()
        holder.close()
    assert code == EXIT_BUSY and "busy" in err and "cannot be opened" not in err


def test_two_processes_adding_stores_at_once_all_succeed(settings_for, database_url, tmp_path):
    """2 x 100 adds, each a fresh runtime (engine, schema check, key check) as a separate CLI run would have."""
    settings = settings_for()
    assert _stores(database_url) == []
    worker = (
        "import io, sys, contextlib\n"
        "from cli.main import main\n"
        "tag, codes = sys.argv[1], []\n"
        "for n in range(100):\n"
        "    err = io.StringIO()\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):\n"
        "        codes.append(main(['stores', 'add', '--name', f'{tag}-{n}', '--client-id', sys.argv[2], '--allow-duplicate']))\n"
        "    if codes[-1]:\n"
        "        print(codes[-1], err.getvalue().strip())\n"
        "print('done', sum(1 for code in codes if code == 0))\n"
    )
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url, "STORE_CONNECT_KEY_FILE": str(settings.key_file),
           "WALMART_CLIENT_SECRET": CLIENT_SECRET, "STORE_CONNECT_OPERATOR": "cron"}
    processes = [subprocess.Popen([sys.executable, "-c", worker, tag, CLIENT_ID], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for tag in ("A", "B")]
    results = [process.communicate(timeout=300) for process in processes]
    for (out, err), process in zip(results, processes):
        assert process.returncode == 0 and out.strip().endswith("done 100"), out + err
    assert len(_stores(database_url)) == 200


# --------------------------------------------------------------------------- cannot write: 5


def _on_every_connection(runtime, statement) -> None:
    """Run `statement` on each new database connection of `runtime` (the pool is emptied so every one is new)."""
    def setting(connection, _record):
        connection.cursor().execute(statement)
        connection.commit()  # PostgreSQL rolls back a SET made in a transaction that is rolled back

    event.listen(runtime.engine, "connect", setting)
    runtime.engine.dispose()


def test_a_full_database_exits_5_and_half_an_import_is_never_written(settings_for, tmp_path, capsys, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's max_page_count stands in for a full disk")
    runtime = open_runtime(settings_for())
    store = add_store(runtime.engine, "Acme US")
    with runtime.engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
    _on_every_connection(runtime, f"PRAGMA max_page_count={pages + 2}")  # room for a few rows, not for the file
    before = database_dump(runtime.engine)
    upload = tmp_path / "big.csv"
    upload.write_bytes(csv_bytes(MAPPINGS))
    code = main(["mappings", "import", str(upload), "--store", "Acme US"], runtime_factory=lambda: runtime)
    out, err = capsys.readouterr()
    assert code == EXIT_CANNOT_WRITE == 5
    assert "disk is full" in err and "Nothing was changed" in err and "Traceback" not in err
    assert database_dump(runtime.engine) == before and mapping_state(runtime.engine, store) == {}
    runtime.engine.dispose()


def test_a_read_only_database_exits_5(settings_for, capsys, database_url):
    runtime = open_runtime(settings_for())
    runtime.vault  # noqa: B018  (the key check row is written while the database still allows it)
    read_only = "PRAGMA query_only=ON" if database_url.startswith("sqlite") else "SET default_transaction_read_only = on"
    _on_every_connection(runtime, read_only)
    import io

    sys.stdin = io.StringIO(CLIENT_SECRET)
    try:
        code = main(["stores", "add", "--name", "Acme", "--client-id", CLIENT_ID], runtime_factory=lambda: runtime)
    finally:
        sys.stdin = sys.__stdin__
    _, err = capsys.readouterr()
    assert code == EXIT_CANNOT_WRITE and "read-only" in err and "Traceback" not in err
    runtime.engine.dispose()
    assert _stores(database_url) == []


def test_a_full_disk_while_writing_an_export_exits_5_and_leaves_no_partial_file(run, settings_for, tmp_path, monkeypatch):
    runtime = open_runtime(settings_for())
    store = add_store(runtime.engine, "Acme US")
    with session_scope(runtime.engine) as session:
        mapping_imports.import_mappings(session, store, csv_bytes(MAPPINGS[:500]), "m.csv", actor=ADMIN)
    runtime.engine.dispose()
    output = tmp_path / "export.csv"
    output.write_text("yesterday's export\n")
    real_write = os.write

    def disk_fills_up(descriptor, data):  # the first bytes go to disk, then there is no more room
        if len(data) > 100:
            real_write(descriptor, bytes(data[:100]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(descriptor, data)

    monkeypatch.setattr(os, "write", disk_fills_up)
    code, _, err = run("mappings", "export", "--store", "Acme US", "--output", output)
    monkeypatch.undo()
    assert code == EXIT_CANNOT_WRITE and "disk is full" in err and "Nothing was half-written" in err
    assert output.read_text() == "yesterday's export\n" and sorted(p.name for p in tmp_path.iterdir() if "export" in p.name) == ["export.csv"]


def test_an_export_into_a_missing_folder_is_a_usage_error(run, settings_for, tmp_path):
    add_store(open_runtime(settings_for()).engine, "Acme US")
    code, _, err = run("mappings", "export", "--store", "Acme US", "--output", tmp_path / "nowhere" / "m.csv")
    assert code == EXIT_USAGE and "folder does not exist" in err


# --------------------------------------------------------------------------- numbers and settings: 2


@pytest.mark.parametrize("argv, message", [
    (("stores", "check", "--due", "--interval", "-5"), "-5 is out of range"),
    (("stores", "check", "--due", "--interval", "0"), "0 is out of range"),
    (("stores", "check", "--due", "--interval", "9" * 30), "out of range"),
    (("stores", "check", "--due", "--interval", "soon"), "'soon' is not a whole number"),
    (("stores", "check", "--all", "--workers", "0"), "0 is out of range"),
    (("stores", "check", "--all", "--workers", "9" * 30), "out of range"),
    (("audit", "--limit", "9" * 30), "out of range"),
    (("audit", "--limit", "-1"), "-1 is out of range"),
    (("oauth", "attach", "9" * 30, "--store", "Acme"), "out of range"),  # once an OverflowError traceback
    (("oauth", "discard", "9" * 30), "out of range"),
    (("oauth", "discard", "-1"), "-1 is out of range"),
    (("faq", "search", "token", "--limit", "-5"), "-5 is out of range"),  # once "No answer matched"
    (("faq", "search", "token", "--limit", "0"), "0 is out of range"),
    (("faq", "search", "token", "--limit", "9" * 30), "out of range"),
])
def test_numbers_out_of_range_are_usage_errors(run, capsys, argv, message):
    with pytest.raises(SystemExit) as usage:
        run(*argv)
    err = capsys.readouterr().err
    assert usage.value.code == EXIT_USAGE and message in err and "from 1 to" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["9" * 30, "9" * 11, "2147483648", "²", "١٢"])  # ids are 32 bits on PostgreSQL; other digits
def test_a_huge_store_id_is_not_found_rather_than_an_overflow(run, name):
    code, _, err = run("stores", "remove", name, "--yes")
    assert code == EXIT_USAGE and "no store called" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [("stores", "list"), ("audit",), ("oauth", "status"), ("explain", "HTTP 401"),
                                  ("mappings", "export", "--store", "Acme", "--output", "x.csv")])
def test_a_malformed_key_setting_stops_every_command(run, argv):
    code, out, err = run(*argv, STORE_CONNECT_SECRET_KEY="not-a-key")
    assert code == EXIT_USAGE and "STORE_CONNECT_SECRET_KEY" in err and "not a valid encryption key" in err and not out


def test_keygen_still_works_with_a_malformed_key_setting(run):
    code, out, _ = run("keygen", STORE_CONNECT_SECRET_KEY="not-a-key")
    assert code == EXIT_OK and len(out.strip()) == 44


# --------------------------------------------------------------------------- the documentation


def test_every_exit_code_is_documented_in_help_and_readme():
    import cli.main as cli_main

    codes = {name: value for name, value in vars(cli_main).items() if name.startswith("EXIT_") and isinstance(value, int)}
    assert sorted(codes.values()) == list(range(7))
    help_text = subprocess.run([sys.executable, "-m", "core", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in codes.values():
        assert re.search(rf"^\s+{code}\s+\S", help_text, re.MULTILINE), f"exit code {code} missing from --help"
        assert re.search(rf"^\| `{code}` \|", readme, re.MULTILINE), f"exit code {code} missing from the README's table"
        assert re.search(rf"^\s+{code}\s+\S", cli_main.__doc__ or "", re.MULTILINE), f"exit code {code} missing from cli/main.py's docstring"


def test_a_lost_key_check_with_a_wrong_key_refuses_to_start_and_writes_nothing(run, database_url):
    from cryptography.fernet import Fernet

    right, wrong = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    assert _add(run, "Acme", STORE_CONNECT_SECRET_KEY=right)[0] == EXIT_OK
    engine = create_engine(load_settings({"DATABASE_URL": database_url}, env_file=None).database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM encryptioncheck"))
    before = database_dump(engine)
    code, _, err = _add(run, "Forged", STORE_CONNECT_SECRET_KEY=wrong)
    assert code == EXIT_USAGE and "cannot read them" in err and "backup" in err
    assert database_dump(engine) == before  # no store, no new check row
    assert _add(run, "Beta", STORE_CONNECT_SECRET_KEY=right)[0] == EXIT_OK  # the right key still works
    assert _stores(database_url) == ["Acme", "Beta"]
    engine.dispose()
