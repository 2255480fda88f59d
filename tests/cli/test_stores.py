"""`python -m core stores ...` through the real entry point: exit codes, JSON, no secret in output."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET

ROOT = Path(__file__).resolve().parents[2]


def test_add_list_check_edit_remove(cli, gateway):
    code, out, _ = cli("stores", "add", "--name", "Acme", "--client-id", CLIENT_ID, "--json", stdin=CLIENT_SECRET + "\n")
    assert code == 0 and json.loads(out)["secret_masked"] == "••••" + CLIENT_SECRET[-4:]

    code, out, _ = cli("stores", "check", "Acme", "--json")
    assert code == 0 and json.loads(out)[0]["status"] == "authorized"

    code, out, _ = cli("stores", "list", "--json")
    assert code == 0
    [row] = json.loads(out)
    assert row["status"] == "authorized" and row["last_success_at"] and row["secret_masked"].endswith(CLIENT_SECRET[-4:])

    code, out, _ = cli("stores", "edit", "Acme", "--disable")
    assert code == 0 and "Saved" in out
    code, out, _ = cli("stores", "list")
    assert "(disabled)" in out

    code, _, err = cli("stores", "remove", "Acme")
    assert code == 2 and "--yes" in err
    code, out, _ = cli("stores", "remove", "Acme", "--yes")
    assert code == 0 and "Deleted" in out
    assert cli("stores", "list", "--json")[1].strip() == "[]"


def test_check_exits_1_when_any_store_is_not_authorized(cli, gateway):
    cli("stores", "add", "--name", "Good", "--client-id", CLIENT_ID, stdin=CLIENT_SECRET)
    cli("stores", "add", "--name", "Sandboxed", "--client-id", SANDBOX_ID, stdin=SANDBOX_SECRET)  # sandbox keys saved as production
    code, out, _ = cli("stores", "check", "--all", "--json")
    assert code == 1
    assert {row["store"]: row["status"] for row in json.loads(out)} == {"Good": "authorized", "Sandboxed": "wrong_environment"}
    code, out, _ = cli("stores", "check", "--all")
    assert code == 1 and "next step:" in out and "correlation IDs:" in out


def test_a_store_saved_with_the_wrong_market_is_corrected_with_edit_market(cli, gateway):
    ca_id, ca_secret = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "CanadaSecretValue_1234567890abcdef"
    gateway.add_key("production", ca_id, ca_secret, market="ca")
    cli("stores", "add", "--name", "Maple", "--client-id", ca_id, stdin=ca_secret)  # saved as US by mistake
    code, out, _ = cli("stores", "check", "Maple")
    assert code == 1 and "market" in out
    code, out, _ = cli("stores", "edit", "Maple", "--market", "ca", "--json")
    assert code == 0 and json.loads(out)["market"] == "ca"
    assert cli("stores", "check", "Maple")[0] == 0


def test_replace_secret_from_an_environment_variable(cli, gateway, monkeypatch):
    cli("stores", "add", "--name", "Acme", "--client-id", CLIENT_ID, stdin="Old-secret-value-1234567890abcdef")
    assert cli("stores", "check", "Acme")[0] == 1
    monkeypatch.setenv("NEW_SECRET", CLIENT_SECRET)
    code, out, _ = cli("stores", "edit", "Acme", "--replace-secret", "--secret-env", "NEW_SECRET")
    assert code == 0 and CLIENT_SECRET[-4:] in out
    assert cli("stores", "check", "Acme")[0] == 0


@pytest.mark.parametrize(
    "argv, stdin, message",
    [
        (("stores", "check"), "", "--all"),
        (("stores", "check", "Nope"), "", "no store called"),
        (("stores", "add", "--name", "X", "--client-id", CLIENT_ID), CLIENT_ID, "not saved"),
        (("stores", "add", "--name", "X", "--client-id", CLIENT_ID), "", "not saved"),
    ],
)
def test_usage_and_input_errors_exit_2_with_a_reason(cli, argv, stdin, message):
    code, _, err = cli(*argv, stdin=stdin)
    assert code == 2 and message in err


def test_secret_flag_does_not_exist(cli):
    with pytest.raises(SystemExit) as caught:
        cli("stores", "add", "--name", "X", "--client-id", CLIENT_ID, "--client-secret", "abc")
    assert caught.value.code == 2


def test_python_dash_m_core_runs_and_reports_config_errors(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "STORE_CONNECT_KEY_FILE": str(tmp_path / "k"),
           "WALMART_API_BASE_URL": "not a url"}
    result = subprocess.run([sys.executable, "-m", "core", "stores", "list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "WALMART_API_BASE_URL" in result.stderr
    env["WALMART_API_BASE_URL"] = "https://marketplace.walmartapis.com"
    result = subprocess.run([sys.executable, "-m", "core", "stores", "list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "No stores yet" in result.stdout


def test_a_store_added_for_a_market_lists_it(cli):
    code, out, _ = cli("stores", "add", "--name", "Maple", "--market", "ca", "--client-id", CLIENT_ID, stdin=CLIENT_SECRET)
    assert code == 0 and "[CA, production, enabled]" in out
    [row] = json.loads(cli("stores", "list", "--json")[1])
    assert row["market"] == "ca"
    with pytest.raises(SystemExit) as usage:  # argparse refuses an unknown market before anything runs
        cli("stores", "add", "--name", "London", "--market", "uk", "--client-id", CLIENT_ID, stdin=CLIENT_SECRET)
    assert usage.value.code == 2


OTHER_ID = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"


def test_a_likely_duplicate_is_refused_with_exit_6_until_allowed(cli, gateway):
    assert cli("stores", "add", "--name", "Acme Outdoor", "--client-id", CLIENT_ID, stdin=CLIENT_SECRET)[0] == 0
    for argv in (("--name", "Bright Kitchen", "--client-id", CLIENT_ID), ("--name", "acme  OUTDOOR", "--client-id", OTHER_ID)):
        code, out, err = cli("stores", "add", *argv, stdin=CLIENT_SECRET)
        assert code == 6 and "Acme Outdoor" in err and "--allow-duplicate" in err and out == ""
    code, out, _ = cli("stores", "add", "--name", "Bright Kitchen", "--client-id", CLIENT_ID, "--json", stdin=CLIENT_SECRET)
    assert code == 6 and json.loads(out)["duplicates"][0] == {"kind": "client_id", "store_id": 1, "store": "Acme Outdoor", "value": CLIENT_ID}
    assert len(json.loads(cli("stores", "list", "--json")[1])) == 1  # nothing saved
    assert cli("stores", "add", "--name", "Bright Kitchen", "--client-id", CLIENT_ID, "--allow-duplicate", stdin=CLIENT_SECRET)[0] == 0
    assert cli("stores", "add", "--name", "Cobalt", "--client-id", OTHER_ID, stdin=CLIENT_SECRET)[0] == 0
    assert cli("stores", "edit", "Cobalt", "--name", "ACME outdoor")[0] == 6
    assert cli("stores", "edit", "Cobalt", "--client-id", CLIENT_ID)[0] == 6
    assert cli("stores", "edit", "Cobalt", "--replace-secret", "--client-id", CLIENT_ID, stdin=CLIENT_SECRET)[0] == 6
    assert cli("stores", "edit", "Cobalt", "--client-id", CLIENT_ID, "--allow-duplicate")[0] == 0


def test_add_with_check_saves_then_exits_like_stores_check(cli, gateway):
    code, out, _ = cli("stores", "add", "--name", "Good", "--client-id", CLIENT_ID, "--check", stdin=CLIENT_SECRET)
    assert code == 0 and "Added:" in out and "Good: authorized" in out
    code, out, _ = cli("stores", "add", "--name", "Sandboxed", "--client-id", SANDBOX_ID, "--check", "--json", stdin=SANDBOX_SECRET)
    assert code == 1
    saved = json.loads(out)
    assert saved["name"] == "Sandboxed" and saved["check"]["status"] == "wrong_environment"
    statuses = {row["name"]: row["status"] for row in json.loads(cli("stores", "list", "--json")[1])}
    assert statuses == {"Good": "authorized", "Sandboxed": "wrong_environment"}  # saved and its check recorded


def test_names_with_hidden_characters_are_refused_and_never_printed_raw(cli, runtime):
    code, _, err = cli("stores", "add", "--name", "Acme\x1b[2J\u202eSU", "--client-id", CLIENT_ID, stdin=CLIENT_SECRET)
    assert code == 2 and "escape character" in err and "character 5" in err
    from sqlalchemy import text

    from core.db.engine import session_scope

    assert cli("stores", "add", "--name", "Acme", "--client-id", CLIENT_ID, "--notes", "first", stdin=CLIENT_SECRET)[0] == 0
    with session_scope(runtime.engine) as session:  # a name saved before names were checked
        session.execute(text("update store set name = :name"), {"name": "Acme\x1b[2J\u202eSU"})
    for argv in (("stores", "list"), ("stores", "list", "--json"), ("stores", "check", "--all")):
        _, out, _ = cli(*argv)
        assert "\x1b" not in out and "\u202e" not in out, argv
    _, out, _ = cli("stores", "list")
    assert "Acme<U+001B>[2J<U+202E>SU" in out
    assert json.loads(cli("stores", "list", "--json")[1])[0]["name"] == "Acme\x1b[2J\u202eSU"  # the same value for a JSON reader


def test_every_command_prints_hidden_characters_of_old_rows_and_file_names_as_code_points(cli, runtime, tmp_path):
    """stores list escaped them, but audit, mappings export, stores remove and error messages printed them raw: a
    file name an editor uploaded could set the admin's terminal title or clear the screen when they read the trail."""
    from sqlalchemy import text

    from core.db.engine import session_scope

    assert cli("stores", "add", "--name", "Acme", "--client-id", CLIENT_ID, stdin=CLIENT_SECRET)[0] == 0
    hostile_file = tmp_path / "products\x1b]0;pwned\x07.csv"
    hostile_file.write_text("System SKU,Product name\nMUG-WHITE,Mug\n")
    assert cli("catalog", "import", str(hostile_file))[0] == 0
    with session_scope(runtime.engine) as session:  # a name saved before names were checked
        session.execute(text("update store set name = :name"), {"name": "Acme\x1b[2J\u202eSU"})
    printed = ""
    for argv in (("audit",), ("mappings", "export", "--store", "1", "--output", str(tmp_path / "out.csv")),
                 ("mappings", "import", "--store", "1", str(tmp_path / "missing\x1b[2J.csv")), ("stores", "remove", "1", "--yes")):
        _, out, err = cli(*argv)
        printed += out + err
        assert not any(ch in out + err for ch in "\x1b\x07\u202e"), (argv, out + err)
    assert "products<U+001B>]0;pwned<U+0007>.csv" in printed and "Acme<U+001B>[2J<U+202E>SU" in printed
