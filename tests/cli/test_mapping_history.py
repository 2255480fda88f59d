"""`python -m core mappings history` and the history in `python -m core audit`: output, --json and exit codes."""
from __future__ import annotations

import json

import pytest

from cli.main import main
from core.config import load_settings
from core.runtime import open_runtime
from tests.fixtures.spreadsheets.corpus import add_store, csv_bytes, open_database


@pytest.fixture
def runtime(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("STORE_CONNECT_OPERATOR", "ann@x.com")
    engine = open_database(database_url)  # schema and the test catalog
    engine.dispose()
    app = open_runtime(load_settings({"DATABASE_URL": database_url, "STORE_CONNECT_KEY_FILE": str(tmp_path / "key")}, env_file=None))
    add_store(app.engine, "Acme US")
    add_store(app.engine, "Acme CA")
    yield app
    app.engine.dispose()


@pytest.fixture
def cli(runtime, capsys):
    def run(*argv):
        code = main([str(a) for a in argv], runtime_factory=lambda: runtime)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def imported(cli, tmp_path):
    """Import rows into a level through the command line, as `name`."""
    def run(store, rows, name="m.csv", mode="merge"):
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows))
        code, out, err = cli("mappings", "import", "--store", store, path, "--mode", mode)
        assert code == 0, out + err

    return run


def test_history_of_a_sku_newest_first_with_who_how_and_through_what(cli, imported):
    imported("all", [["WM-1", "MUG-WHITE", "1"]], name="default.csv")
    imported("Acme US", [["WM-1", "MUG-WHITE", "2"], ["WM-1", "TEA-BOX", "1"]], name="override.csv")
    imported("Acme US", [["WM-1", "TEA-BOX", "1"]], name="fix.csv")

    code, out, _ = cli("mappings", "history", "--store", "Acme US", "--sku", "WM-1")
    assert code == 0
    lines = out.splitlines()
    assert "History of 'WM-1' for store 'Acme US'" in lines[0]
    assert ["Import of fix.csv" in lines[1], "Import of override.csv" in lines[2], "Import of default.csv" in lines[3]] == [True] * 3
    assert "ann@x.com (cli)" in lines[1] and "This store" in lines[1] and "All stores" in lines[3]
    assert "Changed: MUG-WHITE*2+TEA-BOX*1 -> TEA-BOX*1  [− MUG-WHITE × 2]" in lines[1]
    assert "Added: - -> MUG-WHITE*2+TEA-BOX*1  [+ MUG-WHITE × 2; + TEA-BOX × 1]" in lines[2]

    code, out, _ = cli("mappings", "history", "--store", "all", "--sku", "WM-1", "--json")
    data = json.loads(out)
    assert code == 0 and (data["store"], data["platform_sku"]) == ("all", "WM-1")
    [only] = data["changes"]
    assert (only["through"], only["detail"], only["level"], only["change"], only["actor"], only["via"]) == (
        "import", "default.csv", "default", "added", "ann@x.com", "cli")
    assert only["after"] == [{"system_sku": "MUG-WHITE", "quantity": 1}] and only["before"] == []


def test_a_clone_shows_where_it_came_from(cli, imported):
    imported("Acme US", [["WM-1", "PACK*2", "3"]])
    code, out, err = cli("mappings", "clone", "--from", "Acme US", "--to", "Acme CA")
    assert code == 0, out + err
    code, out, _ = cli("mappings", "history", "--store", "Acme CA", "--sku", "WM-1", "--json")
    [cloned] = json.loads(out)["changes"]
    assert (cloned["through"], cloned["detail"], cloned["store"], cloned["after"]) == (
        "clone", "Acme US", "Acme CA", [{"system_sku": "PACK*2", "quantity": 3}])


def test_exit_1_when_nothing_is_recorded_and_2_for_an_unknown_store(cli, imported):
    imported("Acme US", [["WM-1", "MUG-WHITE", "1"]])
    code, out, _ = cli("mappings", "history", "--store", "Acme CA", "--sku", "WM-1")
    assert code == 1 and "No recorded changes of 'WM-1'" in out
    code, out, _ = cli("mappings", "history", "--store", "Acme US", "--sku", "WM-2", "--json")
    assert code == 1 and json.loads(out)["changes"] == []
    code, _, err = cli("mappings", "history", "--store", "Nobody", "--sku", "WM-1")
    assert code == 2 and "Nobody" in err
    with pytest.raises(SystemExit) as usage:
        cli("mappings", "history", "--store", "Acme US")
    assert usage.value.code == 2


def test_the_limit_keeps_the_newest(cli, imported):
    for quantity in (1, 2, 3):
        imported("Acme US", [["WM-1", "MUG-WHITE", str(quantity)]], name=f"q{quantity}.csv")
    code, out, _ = cli("mappings", "history", "--store", "Acme US", "--sku", "WM-1", "--limit", "2", "--json")
    assert code == 0 and [c["detail"] for c in json.loads(out)["changes"]] == ["q3.csv", "q2.csv"]


def test_audit_lists_the_skus_an_import_and_a_clone_changed(cli, imported):
    imported("Acme US", [["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]], name="first.csv")
    imported("Acme US", [["WM-2", "TEA-BOX", "3"], ["WM-3", "TEA-BOX", "1"]], name="second.csv", mode="replace")
    imported("Acme US", [["WM-2", "TEA-BOX", "3"]], name="same.csv")  # changes nothing
    assert cli("mappings", "clone", "--from", "Acme US", "--to", "Acme CA")[0] == 0

    code, out, _ = cli("audit", "--json")
    entries = {entry["subject"]: entry for entry in json.loads(out)}
    assert code == 0
    assert entries["first.csv"]["changed_skus"] == {"added": ["WM-1", "WM-2"], "changed": [], "removed": []}
    assert entries["second.csv"]["changed_skus"] == {"added": ["WM-3"], "changed": ["WM-2"], "removed": ["WM-1"]}
    assert "changed_skus" not in entries["same.csv"]
    assert entries["from Acme US"]["changed_skus"] == {"added": ["WM-2", "WM-3"], "changed": [], "removed": []}

    code, out, _ = cli("audit")
    assert code == 0 and "    added: WM-3; changed: WM-2; removed: WM-1" in out
