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
        (["faq", "search", "  "], "words to search"),
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


# --- A log excerpt on standard input --------------------------------------------------------------

EXCERPT = """2026-12-01 10:00:01,001 INFO walmart.sync: starting order sync
requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://marketplace.walmartapis.com/v3/token
2026-12-01 10:06:00,000 WARNING walmart.client: HTTPError: 429 Client Error: Too Many Requests for url: https://marketplace.walmartapis.com/v3/orders
2026-12-01 10:07:00,000 ERROR walmart.sync: 401 Client Error: Unauthorized for url: https://marketplace.walmartapis.com/v3/token
"""


def test_explain_reads_a_log_excerpt_and_prints_one_result_per_error(cli):
    code, out, _ = cli("explain", stdin=EXCERPT)
    assert code == 0 and out.startswith("2 errors in the text")
    assert "Error 1 of 2, lines 2, 4:\nWalmart refused the keys" in out
    assert "Error 2 of 2, line 3:\nToo many requests: Walmart is limiting calls" in out
    assert out.index("[keys-rejected]") < out.index("[rate-limited]") and "oauth-app-setup" not in out


def test_explain_json_keeps_the_single_error_fields_and_lists_every_error(cli):
    code, out, _ = cli("explain", "--json", stdin=EXCERPT)
    data = json.loads(out)
    assert code == 0 and [e["http_status"] for e in data["errors"]] == [401, 429] and [e["lines"] for e in data["errors"]] == [[2, 4], [3]]
    assert {k: v for k, v in data.items() if k != "errors"} == data["errors"][0]  # the first error where a single one always was
    _, single, _ = cli("explain", "--json", "HTTP 429")
    assert set(json.loads(single)) == set(data) and len(json.loads(single)["errors"]) == 1


def test_explain_in_chinese_keeps_the_json_keys(cli):
    code, out, _ = cli("explain", "--lang", "zh-CN", stdin=EXCERPT)
    assert code == 0 and "沃尔玛拒绝了密钥" in out and "请求太多：沃尔玛正在限流" in out
    _, english, _ = cli("explain", "--json", stdin=EXCERPT)
    _, chinese, _ = cli("explain", "--json", "--lang", "zh-CN", stdin=EXCERPT)
    assert json.loads(chinese)["title"] == "沃尔玛拒绝了密钥"
    assert set(json.loads(chinese)) == set(json.loads(english)) and json.loads(chinese)["code"] == json.loads(english)["code"]


# --- python -m core faq search ---------------------------------------------------------------------

def test_faq_search_prints_ranked_ids_and_scores(cli):
    code, out, _ = cli("faq", "search", "What is the reason for the authorization failure?")
    assert code == 0
    first = out.splitlines()[1]
    assert first.startswith("  1. [production-vs-sandbox]") and "Authorization fails" in first
    assert float(first.split("]")[1].split()[0]) > 50


def test_faq_search_in_chinese(cli):
    code, out, _ = cli("faq", "search", "紫鸟浏览器复制的ID和密钥一样", "--lang", "zh-CN", "--limit", "2")
    assert code == 0 and "[identical-id-and-secret]" in out.splitlines()[1] and "复制出来的客户端ID和客户端密钥一模一样" in out
    assert len([line for line in out.splitlines() if line.startswith("  ")]) <= 2


def test_faq_search_json_keys_do_not_change_with_the_language(cli):
    _, english, _ = cli("faq", "search", "sandbox keys", "--json")
    _, chinese, _ = cli("faq", "search", "sandbox keys", "--json", "--lang", "zh")
    english, chinese = json.loads(english), json.loads(chinese)
    assert english["language"] == "en" and chinese["language"] == "zh-CN"
    assert set(english) == set(chinese) == {"query", "language", "matches"}
    assert [set(m) for m in english["matches"]] == [set(m) for m in chinese["matches"]] and english["matches"]
    assert [m["id"] for m in english["matches"]] == [m["id"] for m in chinese["matches"]]  # an English query, English text
    assert english["matches"][0] == {**chinese["matches"][0], "question": english["matches"][0]["question"]}
    assert chinese["matches"][0]["question"].startswith("授权失败")


def test_faq_search_exits_1_when_nothing_matches(cli):
    code, out, _ = cli("faq", "search", "qzxv blorf wumpus")
    assert code == 1 and "No answer matched" in out
    code, out, _ = cli("faq", "search", "qzxv", "--json")
    assert code == 1 and json.loads(out)["matches"] == []


def test_faq_search_refuses_an_unknown_language(cli):
    with pytest.raises(SystemExit) as stop:
        cli("faq", "search", "keys", "--lang", "fr")
    assert stop.value.code == 2


def test_faq_search_names_a_broken_synonyms_file(cli, tmp_path, monkeypatch):
    from core.troubleshooting import terms

    broken = tmp_path / "faq_synonyms.toml"
    broken.write_text("[[group]\n", encoding="utf-8")
    monkeypatch.setattr(terms, "SYNONYMS_PATH", broken)
    code, out, err = cli("faq", "search", "sandbox")
    assert code == 2 and not out and str(broken) in err and "cannot be read" in err
