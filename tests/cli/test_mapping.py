"""`python -m core catalog ...` and `python -m core mappings ...`: exit codes, output, files written."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from cli.main import main
from core.config import load_settings
from core.runtime import open_runtime
from core.spreadsheets.limits import COMMAND_LINE_LIMITS, UPLOAD_LIMITS
from tests.fixtures.spreadsheets.corpus import PNG, add_store, csv_bytes, database_snapshot, mapping_state, open_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runtime(tmp_path, database_url):
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


def write(tmp_path, name, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_catalog_import_exit_codes(cli, tmp_path, runtime):
    good = write(tmp_path, "products.csv", csv_bytes([["NEW-1", "New"]], header=["System SKU", "Product name"]))
    code, out, _ = cli("catalog", "import", good, "--dry-run")
    assert code == 0 and "would be added" in out
    code, out, _ = cli("catalog", "import", good, "--json")
    assert code == 0 and json.loads(out)["added"] == ["NEW-1"]

    bad = write(tmp_path, "bad.csv", csv_bytes([["OK-1", "Fine"], ["BAD ", "Space"]], header=["System SKU", "Product name"]))
    report = tmp_path / "errors.csv"
    code, out, err = cli("catalog", "import", bad, "--error-report", report)
    assert code == 1 and "row 3" in out and "nothing was saved" in out
    assert report.read_bytes().decode("utf-8-sig").startswith("Row,Column")
    code, out, _ = cli("catalog", "import", bad, "--json")
    assert code == 1 and json.loads(out)["errors"][0]["row"] == 3 and not json.loads(out)["applied"]

    code, _, err = cli("catalog", "import", write(tmp_path, "image.csv", PNG))
    assert code == 1 and "PNG image" in err
    code, _, err = cli("catalog", "import", tmp_path / "missing.csv")
    assert code == 2 and "There is no file" in err


def test_mappings_import_dry_run_then_apply(cli, tmp_path, runtime):
    data = write(tmp_path, "m.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-GIFT", "MUG-WHITE*1+COASTER-OAK*2", ""]]))
    before = database_snapshot(runtime.engine)
    code, out, _ = cli("mappings", "import", "--store", "Acme US", data, "--dry-run")
    assert code == 0 and "2 to add" in out and "Dry run: nothing was written" in out
    assert database_snapshot(runtime.engine) == before

    code, out, _ = cli("mappings", "import", "--store", "Acme US", data)
    assert code == 0 and "2 added" in out
    assert mapping_state(runtime.engine, 1) == {"WM-1": [("MUG-WHITE", 1)], "WM-GIFT": [("COASTER-OAK", 2), ("MUG-WHITE", 1)]}

    code, out, _ = cli("mappings", "import", "--store", "Acme US", data, "--json")
    result = json.loads(out)
    assert code == 0 and result["applied"] and result["counts"]["unchanged"] == 2 and result["store"] == "Acme US"


def test_mappings_import_rejected_rows_exit_1_and_write_nothing(cli, tmp_path, runtime):
    data = write(tmp_path, "m.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", "MUG-WHITE", "-1"]]))
    before = database_snapshot(runtime.engine)
    code, out, _ = cli("mappings", "import", "--store", "Acme US", data)
    assert code == 1 and "row 3, Quantity: Quantity -1 is negative." in out and "Nothing was imported." in out
    code, out, _ = cli("mappings", "import", "--store", "Acme US", data, "--json")
    assert code == 1 and json.loads(out)["errors"][0]["row"] == 3 and not json.loads(out)["applied"]
    code, out, err = cli("mappings", "import", "--store", "Acme US", write(tmp_path, "e.csv", b""), "--json")
    assert code == 1 and "is empty" in json.loads(out)["error"]
    assert database_snapshot(runtime.engine) == before


def test_mappings_import_without_a_quantity_column(cli, tmp_path, runtime):
    data = write(tmp_path, "no-qty.csv", csv_bytes([["WM-1", "MUG-WHITE"], ["WM-2", "TEA-BOX*2+MUG-WHITE*1"]], header=["Platform SKU", "System SKU"]))
    code, out, err = cli("mappings", "import", "--store", "Acme US", data, "--dry-run")
    assert code == 0 and "2 to add" in out and "no Quantity column, so each row counts as quantity 1" in out, err
    code, out, err = cli("mappings", "import", "--store", "Acme US", data, "--json")
    assert code == 0, err
    store_id = json.loads(out)["store_id"]
    assert mapping_state(runtime.engine, store_id) == {"WM-1": [("MUG-WHITE", 1)], "WM-2": [("MUG-WHITE", 1), ("TEA-BOX", 2)]}


def test_mappings_import_replace_mode(cli, tmp_path, runtime):
    cli("mappings", "import", "--store", "Acme US", write(tmp_path, "a.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "1"]])))
    code, out, _ = cli("mappings", "import", "--store", "Acme US", "--mode", "replace", write(tmp_path, "b.csv", csv_bytes([["WM-2", "TEA-BOX", "1"]])))
    assert code == 0 and "1 removed" in out
    assert mapping_state(runtime.engine, 1) == {"WM-2": [("TEA-BOX", 1)]}


def test_usage_errors_exit_2(cli, tmp_path):
    data = write(tmp_path, "m.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"]]))
    code, _, err = cli("mappings", "import", "--store", "Nobody", data)
    assert code == 2 and "no store called 'Nobody'" in err
    code, _, err = cli("mappings", "export", "--store", "Acme US", "--output", tmp_path / "out.pdf")
    assert code == 2 and ".csv or .xlsx" in err
    with pytest.raises(SystemExit) as exited:
        cli("mappings", "import", "--store", "Acme US", data, "--mode", "upsert")
    assert exited.value.code == 2


@pytest.mark.timeout(30)  # before: /dev/zero was read until MemoryError, and a pipe waited for a writer for ever
def test_paths_that_are_no_regular_file_are_refused_without_reading_them(cli, tmp_path, runtime):
    before = database_snapshot(runtime.engine)
    code, _, err = cli("mappings", "import", "--store", "Acme US", "/dev/zero")
    assert code == 2 and "'/dev/zero' is a device, not a spreadsheet file; nothing was read from it." in err
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    code, _, err = cli("catalog", "import", pipe)
    assert code == 2 and "is a pipe, not a spreadsheet file" in err
    code, _, err = cli("mappings", "import", "--store", "Acme US", tmp_path)
    assert code == 2 and "is a folder, not a file" in err
    assert database_snapshot(runtime.engine) == before


def test_a_file_over_the_command_line_limit_is_refused_by_its_size(cli, tmp_path, monkeypatch):
    from cli import mapping as cli_mapping

    monkeypatch.setattr(cli_mapping, "COMMAND_LINE_LIMITS", replace(COMMAND_LINE_LIMITS, max_bytes=1024))
    big = write(tmp_path, "big.csv", csv_bytes([[f"WM-{n}", "MUG-WHITE", "1"] for n in range(200)]))
    code, _, err = cli("mappings", "import", "--store", "Acme US", big)
    assert code == 1 and "The file 'big.csv' is 4 KB; the limit is 1 KB." in err
    assert "Split it into smaller files" in err and "python -m core mappings import" not in err  # already on the command line


def test_the_command_line_takes_more_rows_than_an_upload(cli, tmp_path, runtime):
    rows = [[f"WM-{n}", "MUG-WHITE", "1"] for n in range(UPLOAD_LIMITS.max_rows + 1)]
    data = write(tmp_path, "many.csv", csv_bytes(rows))
    code, out, err = cli("mappings", "import", "--store", "Acme US", data, "--dry-run")
    assert code == 0, err
    assert f"{UPLOAD_LIMITS.max_rows + 1:,} to add" in out  # figures in words are formatted for the locale


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_export_writes_a_file_that_reimports_unchanged(cli, tmp_path, runtime, extension):
    cli("mappings", "import", "--store", "Acme US", write(tmp_path, "a.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-G", "TEA-BOX*2+MUG-WHITE*1", ""]])))
    output = tmp_path / f"out.{extension}"
    code, out, _ = cli("mappings", "export", "--store", "Acme US", "--output", output)
    assert code == 0 and "2 platform SKUs (3 rows)" in out and output.exists()
    code, out, _ = cli("mappings", "import", "--store", "Acme US", "--mode", "replace", output, "--json")
    assert code == 0 and json.loads(out)["counts"]["unchanged"] == 2


def test_clone_with_policies_and_dry_run(cli, tmp_path, runtime):
    cli("mappings", "import", "--store", "Acme US", write(tmp_path, "us.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", "TEA-BOX", "2"]])))
    cli("mappings", "import", "--store", "Acme CA", write(tmp_path, "ca.csv", csv_bytes([["WM-2", "TEA-BOX", "9"]])))
    before = database_snapshot(runtime.engine)
    code, out, _ = cli("mappings", "clone", "--from", "Acme US", "--to", "Acme CA", "--dry-run")
    assert code == 0 and "1 to add" in out and "kept WM-2: TEA-BOX*9 (source has TEA-BOX*2)" in out
    assert database_snapshot(runtime.engine) == before

    code, out, _ = cli("mappings", "clone", "--from", "Acme US", "--to", "Acme CA", "--json")
    assert code == 0 and json.loads(out)["counts"] == {"added": 1, "overwritten": 0, "skipped": 1, "unchanged": 0}
    assert mapping_state(runtime.engine, 2) == {"WM-1": [("MUG-WHITE", 1)], "WM-2": [("TEA-BOX", 9)]}

    code, out, _ = cli("mappings", "clone", "--from", "Acme US", "--to", "Acme CA", "--policy", "overwrite", "--sku-filter", "WM-2")
    assert code == 0 and "1 to overwrite" in out
    assert mapping_state(runtime.engine, 2) == {"WM-1": [("MUG-WHITE", 1)], "WM-2": [("TEA-BOX", 2)]}

    code, _, err = cli("mappings", "clone", "--from", "Acme US", "--to", "Acme US")
    assert code == 2 and "same" in err


def test_the_real_entry_point_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "core", "mappings", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "import" in result.stdout and "clone" in result.stdout
    result = subprocess.run([sys.executable, "-m", "core", "mappings", "export", "--store", "X"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--output" in result.stderr


def test_changes_are_recorded_under_the_operator_name(cli, tmp_path, runtime, monkeypatch):
    from core import audit
    from core.db.engine import session_scope

    monkeypatch.setenv("STORE_CONNECT_OPERATOR", "ops-laptop")
    cli("catalog", "import", write(tmp_path, "products.csv", csv_bytes([["NEW-1", "New"]], header=["System SKU", "Product name"])))
    cli("mappings", "import", "--store", "Acme US", write(tmp_path, "us.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"]])))
    cli("mappings", "import", "--store", "Acme US", write(tmp_path, "us.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"]])), "--dry-run")
    cli("mappings", "clone", "--from", "Acme US", "--to", "Acme CA")
    with session_scope(runtime.engine) as session:
        found = [(e.actor, e.via, e.action, e.store_name, e.subject) for e in reversed(audit.entries(session))]
    assert found == [
        ("ops-laptop", "cli", "catalog.import", "", "products.csv"),
        ("ops-laptop", "cli", "import.apply", "Acme US", "us.csv"),  # the dry run is not a change
        ("ops-laptop", "cli", "clone.apply", "Acme CA", "from Acme US"),
    ]


# --------------------------------------------------------------------------- levels: --store all, resolve


def test_import_and_export_with_store_all(cli, tmp_path, runtime):
    default = write(tmp_path, "all.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-G", "TEA-BOX*2+MUG-WHITE*1", ""]]))
    code, out, _ = cli("mappings", "import", "--store", "all", default, "--dry-run")
    assert code == 0 and "All stores (default)" in out and "2 to add" in out
    code, out, _ = cli("mappings", "import", "--store", "ALL", default, "--json")
    result = json.loads(out)
    assert code == 0 and (result["store"], result["store_id"], result["level"], result["applied"]) == ("all", None, "default", True)
    assert mapping_state(runtime.engine, 0) == {"WM-1": [("MUG-WHITE", 1)], "WM-G": [("MUG-WHITE", 1), ("TEA-BOX", 2)]}
    assert mapping_state(runtime.engine, 1) == {} and mapping_state(runtime.engine, 2) == {}  # no store got rows of its own

    output = tmp_path / "all-out.xlsx"
    code, out, _ = cli("mappings", "export", "--store", "all", "--output", output)
    assert code == 0 and "2 platform SKUs (3 rows) of the mapping for all stores" in out
    code, out, _ = cli("mappings", "export", "--store", "Acme US", "--output", tmp_path / "us.csv")
    assert code == 0 and "0 platform SKUs" in out and "--store all" in out  # a store's export holds its own mappings only
    code, out, _ = cli("mappings", "import", "--store", "all", "--mode", "replace", output, "--json")
    assert code == 0 and json.loads(out)["counts"]["unchanged"] == 2  # the default's export imports back unchanged


def test_replacing_a_stores_overrides_leaves_the_default_alone(cli, tmp_path, runtime):
    cli("mappings", "import", "--store", "all", write(tmp_path, "all.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"]])))
    cli("mappings", "import", "--store", "Acme US", write(tmp_path, "us.csv", csv_bytes([["WM-1", "TEA-BOX", "2"]])))
    code, out, _ = cli("mappings", "import", "--store", "Acme US", "--mode", "replace", write(tmp_path, "none.csv", csv_bytes([["WM-7", "TEA-BOX", "1"]])))
    assert code == 0 and "1 removed" in out
    assert mapping_state(runtime.engine, 0) == {"WM-1": [("MUG-WHITE", 1)]}


def test_clone_a_stores_mappings_into_all_stores(cli, tmp_path, runtime):
    cli("mappings", "import", "--store", "Acme US", write(tmp_path, "us.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"]])))
    code, out, _ = cli("mappings", "clone", "--from", "Acme US", "--to", "all", "--json")
    assert code == 0 and (json.loads(out)["to"], json.loads(out)["target_level"]) == ("all", "default")
    assert mapping_state(runtime.engine, 0) == {"WM-1": [("MUG-WHITE", 1)]}


def test_resolve_exit_codes_and_output(cli, tmp_path, runtime):
    cli("mappings", "import", "--store", "all", write(tmp_path, "all.csv", csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-G", "TEA-BOX*3+MUG-WHITE*1", ""]])))
    cli("mappings", "import", "--store", "Acme CA", write(tmp_path, "ca.csv", csv_bytes([["WM-1", "COASTER-OAK", "2"]])))

    code, out, _ = cli("mappings", "resolve", "--store", "Acme US", "--sku", "WM-G", "--quantity", "2")
    assert code == 0 and "from the mapping for all stores" in out
    assert "6 x TEA-BOX (茶叶礼盒)  [3 per unit]" in out and "2 x MUG-WHITE (White mug)  [1 per unit]" in out

    code, out, _ = cli("mappings", "resolve", "--store", "Acme CA", "--sku", "WM-1", "--quantity", "3", "--json")
    found = json.loads(out)
    assert code == 0 and (found["mapped"], found["level"], found["quantity"]) == (True, "store", 3)
    assert found["components"] == [{"system_sku": "COASTER-OAK", "product_name": "Oak coaster", "quantity_per_unit": 2, "quantity": 6}]

    code, out, _ = cli("mappings", "resolve", "--store", "Acme US", "--sku", "WM-NOPE")
    assert code == 1 and "'WM-NOPE' is not mapped for store 'Acme US'" in out
    code, out, _ = cli("mappings", "resolve", "--store", "Acme US", "--sku", "WM-NOPE", "--json")
    assert code == 1 and json.loads(out) == {"mapped": False, "store": "Acme US", "store_id": 1, "platform_sku": "WM-NOPE", "quantity": 1}

    code, _, err = cli("mappings", "resolve", "--store", "Nobody", "--sku", "WM-1")
    assert code == 2 and "no store called 'Nobody'" in err
    with pytest.raises(SystemExit) as exited:
        cli("mappings", "resolve", "--store", "Acme US", "--sku", "WM-1", "--quantity", "0")
    assert exited.value.code == 2
