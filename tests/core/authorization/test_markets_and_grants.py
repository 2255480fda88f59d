"""A store's market on the wire, a permission profile per credential kind, rotated refresh tokens kept,
channel mismatch, overall deadlines and redacted webhook errors: through the fake gateway and a real database."""
import json
import time
from dataclasses import replace
from datetime import timedelta

import pytest
import requests
from sqlmodel import Session, select

from core.authorization import check as authorization
from core.authorization import fleet
from core.authorization.alerts import deliver_pending
from core.authorization.outcome import ATTENTION, MARKET_HINT, US_MARKET_HINT, Status
from core.authorization.scopes import load_profile, required_permissions
from core.db.models import AuditEntry, Credential, CredentialKind, StatusEvent, StoreHealth, utc_now
from core.errors import ConfigError, ValidationFailed
from core.runtime import open_runtime
from core.stores import registry as stores
from core.stores.credential import KeyPair
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, database_dump
from tests.core.authorization.oauth_stores import APP_SECRET, oauth_store

CA_ID, CA_SECRET = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "CanadaSecretValue_1234567890abcdef"
MINIMUM = {"orders": "view_only", "item": "view_only", "inventory": "view_only"}


def add(runtime, name, client_id, secret, market="us", environment="production"):
    with runtime.transaction() as session:
        return stores.add_store(session, runtime.vault, actor=ADMIN, name=name, environment=environment, client_id=client_id,
                                client_secret=secret, market=market).id


def test_a_canada_store_on_delegated_keys_is_authorized_end_to_end(runtime, gateway):
    gateway.add_key("production", CA_ID, CA_SECRET, market="ca")
    add(runtime, "Acme Canada", CA_ID, CA_SECRET, market="ca")
    outcome = authorization.check_store(runtime, "Acme Canada")
    assert outcome.status == Status.authorized, outcome.summary
    token_call, detail_call = gateway.requests
    assert token_call.path == "/v3/token" and token_call.header("WM_MARKET") == "ca"
    assert detail_call.path == "/v3/token/detail" and detail_call.header("WM_MARKET") == "ca"
    assert token_call.header("WM_GLOBAL_VERSION") is None  # only business calls carry the version


def test_a_market_store_lists_its_items_with_the_market_headers(runtime, gateway):
    from core.mapping.listings import fetch_store_listings

    gateway.add_key("production", CA_ID, CA_SECRET, market="ca")
    gateway.set_items("production", CA_ID, [{"sku": "CA-TENT"}])
    add(runtime, "Acme Canada", CA_ID, CA_SECRET, market="ca")
    credential = KeyPair("production", CA_ID, CA_SECRET, "ca")
    scan = fetch_store_listings(runtime, credential)
    assert [listing.sku for listing in scan.listings] == ["CA-TENT"]
    items_call = gateway.requests[-1]
    assert items_call.path == "/v3/items" and items_call.header("WM_MARKET") == "ca" and items_call.header("WM_GLOBAL_VERSION") == "3.1"


def test_canada_keys_saved_as_a_us_store_are_refused_with_the_market_hint(runtime, gateway):
    gateway.add_key("production", CA_ID, CA_SECRET, market="ca")
    add(runtime, "Acme (saved as US)", CA_ID, CA_SECRET)
    outcome = authorization.check_store(runtime, "Acme (saved as US)")
    assert outcome.status == Status.rejected and outcome.http_status == 400
    assert outcome.next_step == US_MARKET_HINT
    assert "Canada, Mexico or Chile" in outcome.next_step and outcome.next_step.index("market") < outcome.next_step.index("secret")
    assert all(request.header("WM_MARKET") is None for request in gateway.requests)  # a US store's calls stay as they were


def test_a_store_saved_with_the_wrong_market_is_corrected_in_place_and_then_authorized(runtime, gateway):
    """The market hint says to save the store with its market: that is an edit, not deleting the store and its history."""
    gateway.add_key("production", CA_ID, CA_SECRET, market="ca")
    store_id = add(runtime, "Acme (saved as US)", CA_ID, CA_SECRET)
    assert authorization.check_store(runtime, store_id).status == Status.rejected
    with runtime.transaction() as session:
        view = stores.edit_store(session, store_id, actor=ADMIN, market=" CA ")
    assert view.market == "ca"
    assert authorization.check_store(runtime, store_id).status == Status.authorized
    assert gateway.requests[-1].header("WM_MARKET") == "ca"
    with runtime.transaction() as session:
        [entry] = [e for e in session.exec(select(AuditEntry)).all() if e.action == "store.edit"]
        assert json.loads(entry.before_json) == {"market": "us"} and json.loads(entry.after_json) == {"market": "ca"}
        with pytest.raises(ValidationFailed, match="not a Walmart market"):
            stores.edit_store(session, store_id, actor=ADMIN, market="br")


def test_a_store_connected_with_walmart_keeps_the_us_market_until_its_keys_replace_the_grant(runtime, gateway):
    """OAuth is documented for the US only: moving an OAuth store to Canada would leave it unable to refresh."""
    store_id, _refresh = oauth_store(runtime, gateway, "Acme OAuth")
    with runtime.transaction() as session, pytest.raises(ValidationFailed) as refused:
        stores.edit_store(session, store_id, actor=ADMIN, market="ca")
    assert "connected with Walmart (OAuth)" in refused.value.message and "US" in refused.value.message
    assert "Replace the keys" in refused.value.fix
    with runtime.transaction() as session:
        assert stores.get_store(session, store_id).market == "us"
        stores.replace_secret(session, runtime.vault, store_id, actor=ADMIN, client_id=CA_ID, client_secret=CA_SECRET)
    with runtime.transaction() as session:
        assert stores.edit_store(session, store_id, actor=ADMIN, market="ca").market == "ca"


def test_a_market_store_refused_hears_about_the_market_before_the_secret(runtime, gateway):
    add(runtime, "Acme Mexico", CLIENT_ID, CLIENT_SECRET, market="mx")  # US keys, saved as Mexico
    outcome = authorization.check_store(runtime, "Acme Mexico")
    assert outcome.status == Status.rejected and outcome.http_status in (400, 401)
    assert outcome.next_step == MARKET_HINT
    assert outcome.next_step.index("market") < outcome.next_step.index("secret")
    assert {r.header("WM_MARKET") for r in gateway.token_requests()} == {"mx"}


def test_a_wrong_secret_of_a_us_store_gets_the_usual_next_step(runtime, gateway):
    add(runtime, "Acme", CLIENT_ID, "a-wrong-secret-1234567890")
    outcome = authorization.check_store(runtime, "Acme")
    assert outcome.status == Status.rejected and "market" not in outcome.next_step


def test_the_oauth_path_keeps_sending_the_us_market(runtime, gateway):
    oauth_store(runtime, gateway, "Acme OAuth")
    gateway.clear_requests()
    assert authorization.check_store(runtime, "Acme OAuth").status == Status.authorized
    [refresh] = gateway.token_requests(grant_type="refresh_token")
    assert refresh.header("WM_MARKET") == "us" and refresh.header("WM_PARTNER.ID") == "456782346"


def test_an_oauth_grant_with_the_minimum_scopes_is_authorized_but_delegated_keys_with_them_are_not(runtime, gateway):
    oauth_store(runtime, gateway, "Acme OAuth", scopes=MINIMUM)
    gateway.add_key("production", CA_ID, CA_SECRET, scopes=MINIMUM)
    add(runtime, "Acme Keys", CA_ID, CA_SECRET)
    app = authorization.check_store(runtime, "Acme OAuth")
    keys = authorization.check_store(runtime, "Acme Keys")
    assert app.status == Status.authorized, app.summary
    assert {row.scope for row in app.scopes if row.required} == {"orders", "item", "inventory"}
    assert keys.status == Status.missing_permissions
    assert {row.scope: row.required for row in keys.missing}["orders"] == "full_access"


def test_an_oauth_grant_below_its_profile_is_flagged(runtime, gateway):
    oauth_store(runtime, gateway, "Acme OAuth", scopes={"orders": "view_only", "item": "no_access"})
    outcome = authorization.check_store(runtime, "Acme OAuth")
    assert outcome.status == Status.missing_permissions
    assert {row.scope for row in outcome.missing} == {"item", "inventory"}


def test_profiles_are_per_kind_configurable_and_may_differ_per_market(settings, tmp_path):
    assert required_permissions(settings, CredentialKind.oauth_seller) == MINIMUM
    assert set(required_permissions(settings)) >= {"orders", "item", "inventory", "price", "lagtime"}
    assert required_permissions(settings, CredentialKind.delegated_key, "ca") == required_permissions(settings)  # none documented
    profile = tmp_path / "oauth.json"
    profile.write_text(json.dumps({"required": {"orders": "full_access", "lagtime": "view_only"},
                                   "markets": {"mx": {"lagtime": None, "orders": "view_only"}}}))
    custom = replace(settings, oauth_permission_profile=profile)
    assert required_permissions(custom, CredentialKind.oauth_seller) == {"orders": "full_access", "lagtime": "view_only"}
    assert required_permissions(custom, CredentialKind.oauth_seller, "mx") == {"orders": "view_only"}
    profile.write_text(json.dumps({"required": {"orders": "full_access"}, "markets": {"br": {}}}))
    with pytest.raises(ConfigError) as problem:
        load_profile(profile, "OAUTH_PERMISSION_PROFILE")
    assert problem.value.variable == "OAUTH_PERMISSION_PROFILE" and "br" in problem.value.message
    with pytest.raises(ConfigError, match="OAUTH_PERMISSION_PROFILE"):
        required_permissions(replace(settings, oauth_permission_profile=tmp_path / "missing.json"), CredentialKind.oauth_seller)


def test_a_rotated_refresh_token_is_kept(runtime, gateway):
    store_id, first = oauth_store(runtime, gateway, "Acme OAuth")
    with runtime.transaction() as session:
        credential = session.exec(select(Credential).where(Credential.store_id == store_id)).one()
        credential.secret_expires_at = utc_now() + timedelta(days=3)  # nearly run out
        session.add(credential)
    gateway.rotate_refresh_tokens = True
    assert authorization.check_store(runtime, "Acme OAuth").status == Status.authorized
    with runtime.transaction() as session:
        credential = session.exec(select(Credential).where(Credential.store_id == store_id)).one()
        kept = runtime.vault.decrypt(credential.secret_ciphertext)
        assert kept != first and credential.secret_last4 == kept[-4:]
        assert credential.secret_expires_at - utc_now() > timedelta(days=364)  # the new token's year
    assert kept not in database_dump(runtime.engine) and first not in database_dump(runtime.engine)  # encrypted
    # The old token is dead at the fake; the next check uses the kept one (and keeps the next rotation too).
    assert authorization.check_store(runtime, "Acme OAuth").status == Status.authorized
    refreshes = gateway.token_requests(grant_type="refresh_token")
    assert refreshes[-1].form["refresh_token"] == kept


def test_a_rotation_during_a_check_that_runs_out_of_time_is_still_kept(settings, gateway):
    runtime = open_runtime(replace(settings, check_store_timeout=1.0))
    store_id, first = oauth_store(runtime, gateway, "Acme OAuth")
    gateway.rotate_refresh_tokens = True
    gateway.set_fault("drip", path="/v3/token/detail")
    outcome = authorization.check_store(runtime, "Acme OAuth")
    assert outcome.status == Status.unreachable and "longer than 1 seconds" in outcome.summary
    with runtime.transaction() as session:
        credential = session.exec(select(Credential).where(Credential.store_id == store_id)).one()
        assert runtime.vault.decrypt(credential.secret_ciphertext) != first
    runtime.engine.dispose()


def test_channel_mismatch_is_its_own_status_and_never_green(runtime, gateway):
    gateway.add_key("production", CA_ID, CA_SECRET, is_channel_match=False)
    add(runtime, "Acme", CA_ID, CA_SECRET)
    outcome = authorization.check_store(runtime, "Acme")
    assert outcome.status == Status.channel_mismatch and outcome.status in ATTENTION
    assert "is_channel_match" in outcome.summary and "Developer Portal" in outcome.next_step
    assert outcome.scopes  # the permissions are still shown


def test_channel_mismatch_of_an_app_token_says_walmart_does_not_document_it(runtime, gateway, monkeypatch):
    from core.walmart.client import WalmartClient

    oauth_store(runtime, gateway, "Acme OAuth")
    original = WalmartClient.token_detail

    def mismatched(self, *args, **kwargs):
        return replace(original(self, *args, **kwargs), is_channel_match=False)

    monkeypatch.setattr(WalmartClient, "token_detail", mismatched)
    outcome = authorization.check_store(runtime, "Acme OAuth")
    assert outcome.status == Status.channel_mismatch and "does not document" in outcome.summary


def test_check_now_has_an_overall_deadline(settings, gateway):
    runtime = open_runtime(replace(settings, check_store_timeout=1.0, request_timeout=30))
    add(runtime, "Acme", CLIENT_ID, CLIENT_SECRET)
    gateway.set_fault("drip")
    started = time.monotonic()
    outcome = authorization.check_store(runtime, "Acme")
    assert time.monotonic() - started < 1.0 + 2.0
    assert outcome.status == Status.unreachable and "longer than 1 seconds" in outcome.summary
    with runtime.transaction() as session:
        assert session.get(StoreHealth, 1).status == Status.unreachable  # recorded like any check
    runtime.engine.dispose()


def test_one_store_failing_unexpectedly_never_aborts_a_fleet_run(runtime, gateway, monkeypatch, caplog):
    ids = [add(runtime, f"Store {n}", f"00000000-1111-4222-8333-00000000000{n}", f"Secret-Store-{n}-abcdefghijklmnop") for n in range(3)]
    for n in range(3):
        gateway.add_key("production", f"00000000-1111-4222-8333-00000000000{n}", f"Secret-Store-{n}-abcdefghijklmnop")
    real = fleet.check_credential

    def sometimes(runtime, credential, cache=None):
        if credential.client_id.endswith("1"):
            raise RecursionError(f"boom with {credential.client_secret}")
        return real(runtime, credential, cache)

    monkeypatch.setattr(fleet, "check_credential", sometimes)
    results = {r.store_name: r.outcome for r in fleet.check_many(runtime, ids)}
    assert results["Store 0"].status == results["Store 2"].status == Status.authorized
    assert results["Store 1"].status == Status.unreachable and "RecursionError" in results["Store 1"].summary
    assert "Secret-Store-1" not in caplog.text + results["Store 1"].summary


def test_a_webhook_address_shows_only_its_host_and_delivery_errors_are_cut(runtime, gateway, caplog):
    url = "http://127.0.0.1:9/services/T0000/B0000/hook-token-SECRET-abcdef123456?key=query-token-987654321"
    add(runtime, "Acme", CLIENT_ID, CLIENT_SECRET)
    with runtime.transaction() as session:
        session.add(StatusEvent(store_id=1, at=utc_now(), kind="lost_authorization", from_status="authorized", to_status="rejected",
                                detail="x", delivery="pending"))

    def refusing_post(address, **kwargs):
        raise requests.ConnectionError(f"HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: "
                                       f"{address.split('9', 1)[1]} ({'x' * 5000}) full {address}")

    assert deliver_pending(runtime.transaction, url, post=refusing_post) == {"sent": 0, "failed": 1}
    with Session(runtime.engine) as session:
        [event] = session.exec(select(StatusEvent)).all()
    assert event.delivery == "failed" and "127.0.0.1" in event.delivery_error and len(event.delivery_error) <= 200
    for secret in ("hook-token-SECRET-abcdef123456", "query-token-987654321", "/services/T0000"):
        assert secret not in event.delivery_error and secret not in caplog.text
    assert "127.0.0.1" in caplog.text


def test_a_secret_echoed_by_the_gateway_reaches_no_record(runtime, gateway):
    add(runtime, "Acme", CLIENT_ID, CLIENT_SECRET)
    gateway.set_fault("echo", path="/v3/token")
    outcome = authorization.check_store(runtime, "Acme")
    assert outcome.status == Status.rejected
    dump = database_dump(runtime.engine)
    assert CLIENT_SECRET not in dump and CLIENT_SECRET not in json.dumps(outcome.to_dict()) and APP_SECRET not in dump
