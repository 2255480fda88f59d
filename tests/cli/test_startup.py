"""A command pays only for what it uses: `python -m core stores list` starts without the heavy libraries that only
imports, exports, pairing and migrations need (timed by benchmarks/cli_startup.py, never here)."""
import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import COMMAND_MODULES, COMMANDS_OF, command_modules
from core.db.schema import HEAD_REVISION, MIGRATIONS, head_revision

ROOT = Path(__file__).resolve().parents[2]
# Libraries `stores list` must not load: tables, spreadsheets, fuzzy matching, migrations.
NOT_FOR_STORES_LIST = ["pandas", "numpy", "pyarrow", "alembic", "openpyxl", "python_calamine", "rapidfuzz", "xlrd", "babel"]

# Runs the real entry point, then says which of the libraries ended up loaded.
_PROBE = """
import json, runpy, sys
watched = json.loads(sys.argv[2])
sys.argv = ["core", *json.loads(sys.argv[1])]
try:
    runpy.run_module("core", run_name="__main__", alter_sys=True)
except SystemExit as done:
    code = done.code
print("LOADED " + json.dumps({"code": code, "loaded": [name for name in watched if name in sys.modules]}), file=sys.stderr)
"""


def _loaded_by(app_env: dict[str, str], *argv: str) -> dict:
    env = {**app_env, "PATH": "/usr/bin:/bin", "STORE_CONNECT_OPERATOR": "tester"}
    result = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv), json.dumps(NOT_FOR_STORES_LIST)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    [line] = [line for line in result.stderr.splitlines() if line.startswith("LOADED ")]
    return json.loads(line.removeprefix("LOADED "))


def test_stores_list_on_an_up_to_date_database_loads_no_heavy_library(cli, app_env):
    assert cli("stores", "add", "--name", "Acme", "--client-id", "a" * 8 + "-aaaa-4bbb-8ccc-" + "b" * 12,
               stdin="Listed-secret-value-1234567890ab")[0] == 0
    result = _loaded_by(app_env, "stores", "list", "--json")
    assert result == {"code": 0, "loaded": []}


def test_the_probe_sees_what_a_command_loads(cli, app_env, tmp_path):
    """The check above can fail: an export does load pandas."""
    result = _loaded_by(app_env, "mappings", "export", "--store", "all", "--output", str(tmp_path / "out.csv"))
    assert result["code"] == 0 and "pandas" in result["loaded"]


def test_each_command_module_adds_the_commands_main_expects():
    for name in COMMAND_MODULES:
        subparsers = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(name).add_commands(subparsers)
        assert tuple(sorted(subparsers.choices)) == tuple(sorted(COMMANDS_OF[name])), name


@pytest.mark.parametrize("words, wanted", [
    (["stores", "list"], ["cli.stores"]),
    (["faq", "search", "x"], ["cli.troubleshooting"]),
    (["--help"], COMMAND_MODULES),  # the help lists every command
    (["stors", "list"], COMMAND_MODULES),  # so does the error for a typo
    ([], COMMAND_MODULES),
])
def test_a_command_line_loads_only_its_commands_module(words, wanted):
    assert command_modules(words) == wanted


def test_a_module_main_does_not_know_is_loaded_for_every_command(monkeypatch):
    monkeypatch.setattr("cli.main.COMMAND_MODULES", [*COMMAND_MODULES, "cli.newgroup"])
    assert command_modules(["stores", "list"]) == ["cli.stores", "cli.newgroup"]


def test_the_head_revision_constant_is_the_newest_migration():
    """The start-up check compares the database's revision with HEAD_REVISION instead of loading Alembic: a new
    migration must update it (or an up-to-date-looking database would skip it)."""
    assert HEAD_REVISION == head_revision(MIGRATIONS)


def test_a_head_revision_left_behind_by_a_new_migration_never_skips_it(monkeypatch, tmp_path):
    """Were a new migration added without updating HEAD_REVISION, start-up would ask Alembic (slower) rather than
    take a database one migration behind for up to date."""
    from core.db import schema
    from core.db.engine import make_engine

    newest = max(path.name for path in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    assert newest.startswith(HEAD_REVISION + "_")  # the constant names the newest file, as the check expects
    engine = make_engine(f"sqlite:///{tmp_path / 'behind.db'}")
    schema.prepare(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0007'")  # one migration behind
    assert schema._up_to_date(engine, MIGRATIONS) is False
    monkeypatch.setattr(schema, "HEAD_REVISION", "0007")  # the constant left behind
    assert schema._known_head(MIGRATIONS) == head_revision(MIGRATIONS) != "0007"
    assert schema._up_to_date(engine, MIGRATIONS) is False
    engine.dispose()
