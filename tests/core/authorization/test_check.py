"""The one authorization check, in every status, against the fake gateway and a real database."""
import json

from sqlmodel import select

from core.authorization import check as authorization
from core.authorization import history
from core.authorization.check import check_keys
from core.authorization.outcome import Status
from core.authorization.scopes import required_permissions
from core.db.engine import session_scope
from core.db.models import AuthorizationCheck
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET

PRODUCTION_KEY = ("production", CLIENT_ID, CLIENT_SECRET)


def check(runtime, environment, client_id, client_secret):
    return check_keys(runtime.walmart, runtime.tokens, required_permissions(runtime.settings), environment, client_id, client_secret)


def test_authorized(runtime, gateway):
    outcome = check(runtime, *PRODUCTION_KEY)
    assert outcome.status == Status.authorized
    assert outcome.http_status == 200 and not outcome.missing
    assert {row.scope for row in outcome.scopes} >= {"orders", "item", "inventory"}
    assert outcome.token_expires_at > outcome.checked_at
    assert len(outcome.correlation_ids) == 2  # token + detail
    assert [r.header("WM_QOS.CORRELATION_ID") for r in gateway.requests] == outcome.correlation_ids


def test_missing_permissions_says_which_scope_has_what(runtime, gateway):
    gateway.add_key("production", "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "AnotherSecretValue_123456789", scopes={"orders": "view_only", "item": "no_access"})
    outcome = check(runtime, "production", "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "AnotherSecretValue_123456789")
    assert outcome.status == Status.missing_permissions
    lacking = {row.scope: (row.granted, row.required) for row in outcome.missing}
    assert lacking["orders"] == ("view_only", "full_access")
    assert lacking["item"] == ("no_access", "full_access")
    assert lacking["inventory"] == ("not granted", "full_access")
    assert "orders (view only, needs full access)" in outcome.summary


def test_rejected_probes_the_other_environment_too(runtime, gateway):
    outcome = check(runtime, "production", CLIENT_ID, "a-wrong-secret-1234567890")
    assert outcome.status == Status.rejected
    assert outcome.http_status == 401 and outcome.walmart_code == "UNAUTHORIZED.GMP_GATEWAY_API"
    assert [r.environment for r in gateway.token_requests()] == ["production", "sandbox"]
    assert len(outcome.correlation_ids) == 2


def test_sandbox_keys_in_production_are_the_wrong_environment(runtime, gateway):
    outcome = check(runtime, "production", SANDBOX_ID, SANDBOX_SECRET)
    assert outcome.status == Status.wrong_environment
    assert "sandbox" in outcome.summary


def test_invalid_input_makes_no_call(runtime, gateway):
    outcome = check(runtime, "production", CLIENT_ID, CLIENT_ID)
    assert outcome.status == Status.invalid_input
    assert outcome.findings and gateway.requests == []


def test_rate_limited_carries_the_retry_time(runtime, gateway):
    gateway.queue_response("production", "/v3/token", 429, body=None, headers={"X-Current-Token-Count": "0", "X-Next-Replenishment-Time": "1900000000000"})
    outcome = check(runtime, *PRODUCTION_KEY)
    assert outcome.status == Status.rate_limited and outcome.http_status == 429
    assert outcome.retry_at is not None and outcome.retry_at.year == 2030


def test_unreachable_on_5xx(runtime, gateway):
    gateway.queue_response("production", "/v3/token", 503, body=None, times=3)
    outcome = check(runtime, *PRODUCTION_KEY)
    assert outcome.status == Status.unreachable and outcome.http_status == 503


def test_unreachable_on_a_dead_network(runtime, gateway):
    gateway.stop()
    outcome = check(runtime, *PRODUCTION_KEY)
    assert outcome.status == Status.unreachable and outcome.http_status is None
    # Walmart never saw these calls: their IDs would only send a support ticket down a dead end.
    assert outcome.calls and outcome.correlation_ids == [] and outcome.to_dict()["correlation_ids"] == []


def test_a_call_walmart_answered_keeps_its_correlation_id(runtime, gateway):
    gateway.queue_response("production", "/v3/token", 503, body=None, times=3)
    outcome = check(runtime, *PRODUCTION_KEY)
    assert len(outcome.correlation_ids) == 1  # a 503 came from Walmart's side: worth quoting


def test_token_is_reused_until_a_minute_before_expiry(runtime, gateway):
    first = check(runtime, *PRODUCTION_KEY)
    for _ in range(4):
        again = check(runtime, *PRODUCTION_KEY)
        assert again.status == Status.authorized and again.token_reused
    assert not first.token_reused
    assert len(gateway.token_requests()) == 1
    assert len(gateway.requests) == 5 + 1  # one token, five details


def test_short_lived_token_is_refreshed(runtime, gateway):
    gateway.add_key("production", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "ShortLivedSecret_abcdefghij", token_lifetime=30)
    for _ in range(2):
        check(runtime, "production", "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "ShortLivedSecret_abcdefghij")
    assert len(gateway.token_requests()) == 2  # 30 s is inside the 60 s margin


def test_a_reset_key_revokes_the_cached_token_and_is_rejected(runtime, gateway):
    assert check(runtime, *PRODUCTION_KEY).status == Status.authorized
    gateway.remove_key("production", CLIENT_ID)
    outcome = check(runtime, *PRODUCTION_KEY)
    assert outcome.status == Status.rejected


def test_check_store_records_history(runtime, gateway):
    with session_scope(runtime.engine) as session:
        view = stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    authorization.check_store(runtime, "Acme")
    gateway.queue_response("production", "/v3/token/detail", 503, times=3)
    authorization.check_store(runtime, view.id)
    with session_scope(runtime.engine) as session:
        rows = session.exec(select(AuthorizationCheck).order_by(AuthorizationCheck.id)).all()
        assert [row.status for row in rows] == ["authorized", "unreachable"]
        assert rows[0].correlation_ids and json.loads(rows[0].scopes_json)
        health = history.health_by_store(session)[view.id]
        assert health.status == "unreachable"
        assert health.last_success_at == rows[0].checked_at
        assert [row.status for row in history.recent_checks(session, view.id)] == ["unreachable", "authorized"]


def test_outcome_json_has_no_secret(runtime, gateway):
    outcome = check(runtime, "production", CLIENT_ID, "a-wrong-secret-1234567890")
    text = json.dumps(outcome.to_dict())
    assert "a-wrong-secret-1234567890" not in text and CLIENT_SECRET not in text


def test_an_access_token_that_cannot_be_sent_back_is_refused_not_raised_and_not_cached(runtime, gateway):
    """A gateway's 200 may carry any text as the token. One that no HTTP header can hold (non-Latin-1 letters, a
    line break that would add a header) once escaped check_keys as a UnicodeEncodeError and stayed cached."""
    for token in ("tök€n-value", "token\r\nX-Injected: 1"):
        gateway.queue_response("production", "/v3/token", 200, {"access_token": token, "token_type": "Bearer", "expires_in": 900})
        outcome = check(runtime, *PRODUCTION_KEY)
        assert outcome.status == Status.unreachable and "access token" in outcome.summary, outcome.summary
        assert token not in outcome.summary
    assert [request.path for request in gateway.requests] == ["/v3/token", "/v3/token"]  # token detail was never asked with it
    assert check(runtime, *PRODUCTION_KEY).status == Status.authorized  # nothing bad was cached: a fresh token is asked for
