"""The live diagnosis against the fake gateway, in every outcome, with a real database."""
import json

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from core.authorization.outcome import Status
from core.db.engine import session_scope
from core.errors import NotFound, ValidationFailed
from core.stores import registry as stores
from core.troubleshooting.diagnosis import StepState, diagnose, diagnose_store
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET

LIMITED_ID, LIMITED_SECRET = "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "Limited-Secret_value_0123456789"
STEP_KEYS = ["precheck", "token_production", "token_sandbox", "token_detail", "permissions"]


def states(result) -> dict[str, StepState]:
    return {step.key: step.state for step in result.steps}


def step(result, key):
    return next(s for s in result.steps if s.key == key)


def assert_no_secret(result, *secrets):
    dumped = json.dumps(result.to_dict())
    for secret in secrets:
        assert secret not in dumped
        assert secret not in repr(result)


def test_authorized_passes_every_step(runtime, gateway):
    result = diagnose(runtime, CLIENT_ID, CLIENT_SECRET, "production")
    assert result.status == Status.authorized and result.authorized
    assert [s.key for s in result.steps] == STEP_KEYS
    assert states(result) == {"precheck": "passed", "token_production": "passed", "token_sandbox": "skipped",
                              "token_detail": "passed", "permissions": "passed"}
    assert [r.environment for r in gateway.token_requests()] == ["production"]  # the other one only as a probe
    assert len(result.correlation_ids) == 2 and result.scopes
    assert_no_secret(result, CLIENT_SECRET)


def test_missing_permissions_fails_the_comparison_only(runtime, gateway):
    gateway.add_key("production", LIMITED_ID, LIMITED_SECRET, scopes={"orders": "view_only", "item": "full_access"})
    result = diagnose(runtime, LIMITED_ID, LIMITED_SECRET, "production")
    assert result.status == Status.missing_permissions
    assert states(result)["token_detail"] == "passed"
    permissions = step(result, "permissions")
    assert permissions.state == "failed" and "orders (view" in permissions.detail and "item" not in permissions.detail
    assert permissions.faq_id == "permissions-not-enabled" and permissions.next_step
    assert result.faq_id == "permissions-not-enabled" and result.summary == permissions.detail


def test_rejected_in_both_environments(runtime, gateway):
    result = diagnose(runtime, CLIENT_ID, "a-wrong-secret-1234567890", "production")
    assert result.status == Status.rejected
    assert states(result) == {"precheck": "passed", "token_production": "failed", "token_sandbox": "failed",
                              "token_detail": "skipped", "permissions": "skipped"}
    token = step(result, "token_production")
    assert "HTTP 401" in token.detail and "UNAUTHORIZED.GMP_GATEWAY_API" in token.detail
    assert token.faq_id == "keys-rejected" and token.cause and token.next_step
    assert "Not an environment mix-up" in step(result, "token_sandbox").cause
    assert [r.environment for r in gateway.token_requests()] == ["production", "sandbox"]
    assert_no_secret(result, "a-wrong-secret-1234567890")


def test_rejected_in_the_oauth_style_too(runtime, gateway):
    gateway.rejection_style = "oauth"
    result = diagnose(runtime, CLIENT_ID, "a-wrong-secret-1234567890", "production")
    assert result.status == Status.rejected and "invalid_client" in step(result, "token_production").detail


def test_wrong_environment_names_the_right_one(runtime, gateway):
    result = diagnose(runtime, SANDBOX_ID, SANDBOX_SECRET, "production")
    assert result.status == Status.wrong_environment and result.environment == "production"
    production, sandbox = step(result, "token_production"), step(result, "token_sandbox")
    assert production.state == "failed" and "they are sandbox keys" in production.detail
    assert sandbox.state == "warning" and "sandbox accepted" in sandbox.detail
    assert production.faq_id == sandbox.faq_id == result.faq_id == "production-vs-sandbox"
    assert states(result)["token_detail"] == "skipped"


def test_unsure_finds_sandbox_keys(runtime, gateway):
    result = diagnose(runtime, SANDBOX_ID, SANDBOX_SECRET, "unsure")
    assert result.asked == "unsure" and result.environment == "sandbox"
    assert result.status == Status.authorized
    assert states(result) == {"precheck": "passed", "token_production": "warning", "token_sandbox": "passed",
                              "token_detail": "passed", "permissions": "passed"}
    assert result.summary.startswith("These are sandbox keys")
    assert "production keys" in result.next_step and result.faq_id == "production-vs-sandbox"
    assert sorted(r.environment for r in gateway.token_requests()) == ["production", "sandbox"]
    # Walmart's sandbox accepted them, but the seed's help page names exactly this as the authorization failure:
    # a warning verdict that says they must not be used for a live store, never a success.
    assert result.verdict == "warning" and not result.authorized
    assert "must not be used for a live store" in result.summary
    assert result.title == "Sandbox keys: not for a live store" and result.to_dict()["verdict"] == "warning"


def test_unsure_finds_production_keys(runtime, gateway):
    result = diagnose(runtime, CLIENT_ID, CLIENT_SECRET, "unsure")
    assert result.environment == "production" and result.status == Status.authorized
    assert states(result)["token_production"] == "passed" and states(result)["token_sandbox"] == "warning"
    assert result.summary.startswith("These are production keys")


def test_unsure_does_not_blame_an_environment_it_could_not_ask(runtime, gateway):
    gateway.queue_response("sandbox", "/v3/token", **gateway.server_error_answer(503), times=3)
    result = diagnose(runtime, CLIENT_ID, CLIENT_SECRET, "unsure")
    assert result.status == Status.authorized and result.environment == "production"
    assert states(result)["token_sandbox"] == "skipped"
    assert result.summary.startswith("These are production keys: Walmart production accepted them. ")


def test_unsure_and_refused_everywhere(runtime, gateway):
    result = diagnose(runtime, CLIENT_ID, "a-wrong-secret-1234567890", "unsure")
    assert result.status == Status.rejected
    assert states(result)["token_production"] == states(result)["token_sandbox"] == "failed"


def test_invalid_input_makes_no_call(runtime, gateway):
    for environment in ("production", "unsure"):
        result = diagnose(runtime, CLIENT_ID, CLIENT_ID, environment)
        assert result.status == Status.invalid_input
        assert states(result) == {"precheck": "failed", "token_production": "skipped", "token_sandbox": "skipped",
                                  "token_detail": "skipped", "permissions": "skipped"}
        precheck = step(result, "precheck")
        assert precheck.faq_id == "identical-id-and-secret" and precheck.next_step
        assert result.to_dict()["findings"][0]["faq_id"] == "identical-id-and-secret"
    assert gateway.requests == []


def test_a_warning_does_not_block(runtime, gateway):
    result = diagnose(runtime, "  " + CLIENT_ID, CLIENT_SECRET, "production")
    assert result.status == Status.authorized
    assert step(result, "precheck").state == "warning" and step(result, "precheck").faq_id == "copied-text-wrong"


def test_rate_limited(runtime, gateway):
    gateway.queue_response("production", "/v3/token", **gateway.rate_limited_answer(120))
    result = diagnose(runtime, CLIENT_ID, CLIENT_SECRET, "production")
    assert result.status == Status.rate_limited
    token = step(result, "token_production")
    assert token.state == "failed" and token.faq_id == "rate-limited" and "Try again after" in token.detail
    assert states(result)["token_sandbox"] == "skipped"  # a limit is not a refusal: no probe


def test_unreachable_when_walmart_fails(runtime, gateway):
    gateway.queue_response("production", "/v3/token", **gateway.server_error_answer(503), times=3)
    result = diagnose(runtime, CLIENT_ID, CLIENT_SECRET, "production")
    assert result.status == Status.unreachable and result.http_status == 503
    token = step(result, "token_production")
    assert token.state == "failed" and token.faq_id == "walmart-unavailable" and "temporary" in token.cause


def test_unreachable_when_the_network_is_down(runtime, gateway):
    gateway.stop()
    result = diagnose(runtime, CLIENT_ID, CLIENT_SECRET, "unsure")
    assert result.status == Status.unreachable
    assert "network" in step(result, "token_production").cause


def test_token_detail_failure_is_its_own_step(runtime, gateway):
    gateway.add_key("production", LIMITED_ID, LIMITED_SECRET, is_channel_match=False)
    result = diagnose(runtime, LIMITED_ID, LIMITED_SECRET, "production")
    assert result.status == Status.channel_mismatch and not result.authorized
    assert states(result) == {"precheck": "passed", "token_production": "passed", "token_sandbox": "skipped",
                              "token_detail": "failed", "permissions": "skipped"}
    detail = step(result, "token_detail")
    assert detail.faq_id == result.faq_id == "channel-mismatch"
    assert "is_channel_match" in detail.detail and "another solution provider" in detail.cause


def test_every_diagnosis_really_exchanges_the_keys_and_keeps_no_token(runtime, gateway):
    diagnose(runtime, CLIENT_ID, CLIENT_SECRET, "production")
    diagnose(runtime, CLIENT_ID, CLIENT_SECRET, "production")
    assert len(gateway.token_requests()) == 2
    assert len(runtime.tokens) == 0


def test_an_unknown_environment_is_refused(runtime):
    with pytest.raises(ValidationFailed):
        diagnose(runtime, CLIENT_ID, CLIENT_SECRET, "staging")


def row_counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {table.name: session.exec(select(func.count()).select_from(table)).one() for table in SQLModel.metadata.sorted_tables}


def test_a_saved_store_is_diagnosed_without_storing_anything(runtime, gateway):
    with session_scope(runtime.engine) as session:
        view = stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production", client_id=SANDBOX_ID, client_secret=SANDBOX_SECRET)
    before = row_counts(runtime.engine)
    result = diagnose_store(runtime, "Acme")
    same = diagnose_store(runtime, view.id)
    assert row_counts(runtime.engine) == before  # no history, no health, no cached token
    assert result.store == same.store == "Acme"
    assert result.status == Status.wrong_environment and result.asked == "production"
    assert step(result, "precheck").title == "Pre-checks of the saved keys"
    assert_no_secret(result, SANDBOX_SECRET)


def test_an_unknown_store_says_so(runtime):
    with pytest.raises(NotFound):
        diagnose_store(runtime, "Nobody")


def test_to_dict_is_json_and_never_holds_the_keys(runtime, gateway):
    # Swapped boxes put the secret where the Client ID goes, so neither value may be in the result.
    result = diagnose(runtime, CLIENT_SECRET, CLIENT_ID, "unsure")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["status"] in {s.value for s in Status}
    assert [s["key"] for s in data["steps"]] == STEP_KEYS
    assert_no_secret(result, CLIENT_SECRET, CLIENT_ID)
