"""`python -m core diagnose` and `python -m core explain` through the real entry point."""
import json

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from core.db.engine import session_scope
from core.db.models import AuthorizationCheck
from core.stores import registry as stores
from core.troubleshooting import decoder_table
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET

WRONG_SECRET = "a-wrong-secret-1234567890"


@pytest.fixture
def cli(cli):
    cli.never_printed.append(WRONG_SECRET)
    return cli


def test_diagnose_authorized_keys_exits_0(cli, gateway):
    code, out, _ = cli("diagnose", "--client-id", CLIENT_ID, stdin=CLIENT_SECRET + "\n")
    assert code == 0
    assert "Diagnosis of the pasted keys (production): Authorized" in out
    assert out.count("[pass]") == 4 and "[skip] Token from Walmart sandbox" in out
    assert "Correlation IDs" in out


def test_diagnose_json(cli, gateway):
    code, out, _ = cli("diagnose", "--client-id", SANDBOX_ID, "--environment", "unsure", "--json", stdin=SANDBOX_SECRET)
    data = json.loads(out)
    # Walmart's sandbox accepts them, but sandbox keys are no way to authorize a live store: a warning, exit 1.
    assert code == 1 and data["status"] == "authorized" and data["environment"] == "sandbox" and data["verdict"] == "warning"
    assert "must not be used for a live store" in data["summary"]
    assert [s["state"] for s in data["steps"]] == ["passed", "warning", "passed", "passed", "passed"]


def test_diagnose_refused_keys_exits_1_with_cause_next_step_and_faq(cli, gateway):
    code, out, _ = cli("diagnose", "--client-id", CLIENT_ID, stdin=WRONG_SECRET)
    assert code == 1
    assert "[FAIL] Token from Walmart production" in out
    assert "Likely cause:" in out and "Next step:" in out and "[keys-rejected]" in out


def test_diagnose_wrong_environment_exits_1(cli, gateway):
    code, out, _ = cli("diagnose", "--client-id", SANDBOX_ID, "--environment", "production", "--json", stdin=SANDBOX_SECRET)
    assert code == 1 and json.loads(out)["status"] == "wrong_environment"


def test_diagnose_prints_findings_without_asking_walmart(cli, gateway):
    code, out, _ = cli("diagnose", "--client-id", CLIENT_ID, stdin=CLIENT_ID)
    assert code == 1 and "[error] Client ID and Client Secret" in out and "exactly the same" in out
    assert gateway.requests == []


def test_diagnose_reads_the_secret_from_a_named_variable(cli, gateway, monkeypatch):
    monkeypatch.setenv("ACME_SECRET", CLIENT_SECRET)
    code, _, _ = cli("diagnose", "--client-id", CLIENT_ID, "--secret-env", "ACME_SECRET")
    assert code == 0


def test_diagnose_a_saved_store_records_nothing(cli, gateway, runtime):
    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    code, out, _ = cli("diagnose", "--store", "Acme")
    assert code == 0 and "Diagnosis of store 'Acme' (production): Authorized" in out
    with Session(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(AuthorizationCheck)).one() == 0


@pytest.mark.parametrize(
    "argv, words",
    [
        (["diagnose"], "--client-id"),
        (["diagnose", "--store", "Acme", "--environment", "sandbox"], "--environment"),
        (["diagnose", "--store", "Nobody"], "no store called"),
        (["explain"], "error text"),
    ],
)
def test_usage_errors_exit_2(cli, argv, words):
    code, _, err = cli(*argv)
    assert code == 2 and words in err


def test_argparse_errors_exit_2(cli):
    for argv in (["diagnose", "--client-id", CLIENT_ID, "--store", "Acme"], ["diagnose", "--environment", "staging"]):
        with pytest.raises(SystemExit) as stop:
            cli(*argv)
        assert stop.value.code == 2


def test_explain_text(cli):
    code, out, _ = cli("explain", '{"error":[{"code":"UNAUTHORIZED.GMP_GATEWAY_API","field":"UNAUTHORIZED"}]}')
    assert code == 0
    assert out.startswith("Walmart refused the keys")
    assert "Likely causes, most likely first:" in out and "  1. " in out
    assert "[keys-rejected]" in out


def test_explain_from_stdin_as_json(cli):
    code, out, _ = cli("explain", "--json", stdin="HTTP 429\n")
    data = json.loads(out)
    assert code == 0 and data["http_status"] == 429 and data["faq"][0]["id"] == "rate-limited"


def test_explain_unknown_text_lists_the_closest_answers(cli):
    code, out, _ = cli("explain", "qzxv blorp")
    assert code == 0 and "not one we recognise" in out and "Closest FAQ answers:" in out and "  - " in out


def test_explain_does_not_echo_a_pasted_secret(cli):
    code, out, _ = cli("explain", f"401 Authorization: Basic {CLIENT_SECRET}")
    assert code == 0 and "Walmart refused the keys" in out


def test_explain_names_a_broken_decoder_file(cli, tmp_path, monkeypatch):
    broken = tmp_path / "decoder.toml"
    broken.write_text(decoder_table.DECODER_PATH.read_text(encoding="utf-8").replace('id = "forbidden"\n', 'id = "forbidden"\nstep = []\n'), encoding="utf-8")
    monkeypatch.setattr(decoder_table, "DECODER_PATH", broken)
    code, out, err = cli("explain", "403 FORBIDDEN.GMP_GATEWAY_API")
    assert code == 2 and not out
    assert str(broken) in err and "'forbidden'" in err and "unknown field(s): step" in err
