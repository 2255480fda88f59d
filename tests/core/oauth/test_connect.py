"""The OAuth connect flow through the fake gateway: link, redirect, exchange, refresh, migration."""
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text, update
from sqlmodel import select

from core.authorization import check as authorization
from core.db.engine import session_scope
from core.db.models import ConnectRequest, Credential, utc_now
from core.errors import ValidationFailed
from core.oauth import connect as oauth
from core.oauth import grants
from core.oauth.grants import ConnectState
from core.oauth.overview import migration_overview
from core.runtime import open_runtime
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, database_dump, person
from tests.core.oauth.conftest import APP_ID, APP_SECRET, SELLER, connect


def test_link_has_every_mandatory_parameter(connected, gateway):
    link, _ = connect(connected, gateway, new_store_name="Acme OAuth")
    query = {k: v[0] for k, v in parse_qs(urlparse(link.url).query).items()}
    assert query["responseType"] == "code" and query["clientId"] == APP_ID and query["clientType"] == "seller"
    assert query["redirectUri"] == "http://127.0.0.1:8501/walmart_callback"
    assert query["state"] == link.state and len(link.state) == 32 and link.state.isalnum() and link.state.isascii()
    assert len(query["nonce"]) == 10 and all(ch.isupper() or ch.isdigit() for ch in query["nonce"]) and "scope" not in query


def test_new_store_end_to_end_then_refresh_on_check(connected, gateway):
    _, redirect = connect(connected, gateway, new_store_name="Acme OAuth")
    result = oauth.complete_connect(connected, oauth.parse_callback(redirect), person("ops@example.com"))
    assert not result.pending and result.verification.status == "authorized"
    exchange = gateway.token_requests(grant_type="authorization_code")[-1]
    assert exchange.header("WM_PARTNER.ID") == SELLER and exchange.form["redirect_uri"] == "http://127.0.0.1:8501/walmart_callback"
    with session_scope(connected.engine) as session:
        view = stores.get_store(session, "Acme OAuth")
        assert view.credential_kind == "oauth_seller" and view.seller_id == SELLER
        assert view.secret_expires_at - view.secret_set_at >= timedelta(days=364)
    outcome = authorization.check_store(connected, "Acme OAuth")
    assert outcome.status == "authorized" and outcome.token_reused  # the verification's token is reused
    assert len(gateway.token_requests(grant_type="refresh_token")) == 1


def test_state_forged_reused_expired_or_other_user_is_refused(connected, gateway):
    _, redirect = connect(connected, gateway, new_store_name="Acme OAuth")
    callback = oauth.parse_callback(redirect)
    with pytest.raises(oauth.ConnectRefused, match="not one we issued"):
        oauth.complete_connect(connected, replace(callback, state="forged-state"), person("ops@example.com"))
    with pytest.raises(oauth.ConnectRefused, match="someone else"):
        oauth.complete_connect(connected, callback, person("intruder@example.com"))
    oauth.complete_connect(connected, callback, person("ops@example.com"))
    with pytest.raises(oauth.ConnectRefused, match="already used"):
        oauth.complete_connect(connected, callback, person("ops@example.com"))

    _, redirect = connect(connected, gateway, new_store_name="Late store")
    with session_scope(connected.engine) as session:
        session.execute(update(ConnectRequest).values(expires_at=utc_now() - timedelta(minutes=1)))
    with pytest.raises(oauth.ConnectRefused, match="expired"):
        oauth.complete_connect(connected, oauth.parse_callback(redirect), person("ops@example.com"))


def test_pasted_redirect_url_and_bad_pastes(connected, gateway):
    _, redirect = connect(connected, gateway, new_store_name="Pasted")
    assert oauth.parse_callback(f"  {redirect}\n").seller_id == SELLER
    with pytest.raises(oauth.ConnectRefused, match="missing state"):  # cut off: Walmart puts state last
        oauth.parse_callback("http://127.0.0.1:8501/walmart_callback?code=c&type=auth&clientId=a&sellerId=1")
    with pytest.raises(oauth.ConnectRefused, match="did not authorize"):
        oauth.parse_callback("http://x/cb?error=access_denied")
    with pytest.raises(oauth.ConnectRefused, match="not a Walmart Seller ID"):
        oauth.parse_callback("http://x/cb?code=c&state=s&sellerId=%5Bx%5D(https://evil.example)")


@pytest.mark.parametrize("query", [{"state": "Zb9WnZxX", "type": "auth"}, {"state": "Zb9WnZxX", "sellerId": "1", "clientId": "a"}])
def test_a_callback_without_a_code_says_the_seller_declined_not_that_a_paste_was_cut(query):
    """Walmart's parameters for Decline are undocumented; no code means declined or failed (walmart-orders-markets.md §4.4).
    The callback page shows this to the person who pressed Connect: nothing was pasted, so "paste the whole address" misleads."""
    with pytest.raises(oauth.ConnectRefused) as refused:
        oauth.parse_callback(query)
    assert "without an authorization code" in refused.value.message and "declined" in refused.value.message
    assert "Nothing was changed" in refused.value.message and "Paste" not in refused.value.fix and "Connect again" in refused.value.fix


@pytest.mark.parametrize("style, status", [("oauth", 400), ("gateway", 401)])
def test_revoked_refresh_token_means_reconnect(connected, gateway, style, status):
    """Walmart's answer to a refused refresh token is undocumented: an OAuth invalid_grant, or the gateway's own 401
    envelope (walmart-orders-markets.md §4.6). Either way the store needs a re-connect (§4.7), not new app keys."""
    gateway.grant_error_style = style
    _, redirect = connect(connected, gateway, new_store_name="Acme OAuth")
    oauth.complete_connect(connected, oauth.parse_callback(redirect), person("ops@example.com"))
    gateway.revoke_seller(SELLER)  # the seller disconnects the app: even the cached access token stops working
    fresh = open_runtime(connected.settings)
    outcome = authorization.check_store(fresh, "Acme OAuth")
    assert outcome.status == "reconnect_required" and outcome.http_status == status
    assert "Re-connect" in outcome.title or "Connect" in outcome.next_step


def test_migration_keeps_old_keys_until_confirmed(connected, gateway):
    with session_scope(connected.engine) as session:
        view = stores.add_store(session, connected.vault, actor=ADMIN, name="Legacy", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    _, redirect = connect(connected, gateway, store_id=view.id)
    result = oauth.complete_connect(connected, oauth.parse_callback(redirect), person("ops@example.com"))
    assert result.pending and result.verification.status == "authorized"
    with session_scope(connected.engine) as session:
        assert stores.get_store(session, view.id).credential_kind == "delegated_key"  # still in use
        [row] = [r for r in migration_overview(session) if r.store_id == view.id]
        assert row.kind == "delegated_key" and row.pending and row.pending_verified
        grants.confirm_switch(session, view.id, actor=ADMIN)
    with session_scope(connected.engine) as session:
        assert stores.get_store(session, view.id).credential_kind == "oauth_seller"
        retired = session.exec(select(Credential).where(Credential.kind == "delegated_key")).one()
        assert retired.state == "retired" and retired.secret_ciphertext == ""
    assert authorization.check_store(connected, view.id).status == "authorized"


def test_unverified_pending_is_not_switched(connected, gateway):
    with session_scope(connected.engine) as session:
        view = stores.add_store(session, connected.vault, actor=ADMIN, name="Legacy", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    _, redirect = connect(connected, gateway, store_id=view.id)
    gateway.queue_response("production", "/v3/token/detail", 503, times=3)  # the verification cannot finish
    result = oauth.complete_connect(connected, oauth.parse_callback(redirect), person("ops@example.com"))
    assert result.pending and result.verification.status == "unreachable"
    with session_scope(connected.engine) as session, pytest.raises(Exception, match="not been verified"):
        grants.confirm_switch(session, view.id, actor=ADMIN)
    outcome, state = grants.verify_pending(connected, view.id, actor=ADMIN)
    assert outcome.status == "authorized" and state == ConnectState.waiting_for_switch
    with session_scope(connected.engine) as session:
        grants.confirm_switch(session, view.id, actor=ADMIN)


def test_refresh_token_never_in_clear_on_disk(connected, gateway, settings):
    _, redirect = connect(connected, gateway, new_store_name="Acme OAuth")
    oauth.complete_connect(connected, oauth.parse_callback(redirect), person("ops@example.com"))
    refresh_token = [r for r in gateway.token_requests(grant_type="refresh_token")][-1].form["refresh_token"]
    dump = database_dump(connected.engine)
    assert SELLER in dump
    assert refresh_token not in dump and APP_SECRET not in dump


def test_no_app_configured_says_what_to_set(runtime):
    with session_scope(runtime.engine) as session, pytest.raises(Exception) as caught:
        oauth.start_connect(session, runtime.settings, ADMIN, new_store_name="X")
    assert "WALMART_OAUTH_CLIENT_ID" in caught.value.fix


def test_no_link_is_handed_out_before_the_app_secret_is_saved(settings, gateway):
    """Without the app's Client Secret no code can be exchanged: a link (sent to a seller, or from our Login URL)
    would have the seller approve for nothing. Refused up front, saying what to do."""
    from core.oauth import seller_started

    app_settings = replace(settings, oauth_client_id=APP_ID, authorize_url=gateway.authorize_url(),
                           oauth_redirect_uri="http://127.0.0.1:8501/walmart_callback")
    runtime = open_runtime(app_settings)
    try:
        for start in (lambda s: oauth.start_connect(s, app_settings, ADMIN, new_store_name="Too early"),
                      lambda s: seller_started.start_seller_connect(s, app_settings)):
            with session_scope(runtime.engine) as session, pytest.raises(ValidationFailed) as refused:
                start(session)
            assert "Client Secret has not been saved" in refused.value.message and "App settings" in refused.value.fix
        with session_scope(runtime.engine) as session:
            assert session.exec(select(ConnectRequest)).all() == []
            oauth.save_app_secret(session, runtime.vault, app_settings, APP_SECRET, actor=ADMIN)
        with session_scope(runtime.engine) as session:
            assert oauth.start_connect(session, app_settings, ADMIN, new_store_name="In time").url.startswith(gateway.authorize_url())
    finally:
        runtime.engine.dispose()


def test_cli_connect_paste_and_confirm(connected, gateway, monkeypatch, capsys):
    import io
    import sys

    from cli.main import main

    with session_scope(connected.engine) as session:
        stores.add_store(session, connected.vault, actor=ADMIN, name="Legacy", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    monkeypatch.setenv("STORE_CONNECT_OPERATOR", "night-shift")
    run = lambda *argv: main(list(argv), runtime_factory=lambda: connected)  # noqa: E731
    assert run("oauth", "connect", "--store", "Legacy") == 0
    link = [line for line in capsys.readouterr().out.splitlines() if line.startswith("http")][0]
    redirect = gateway.approve(link, SELLER)
    assert run("oauth", "complete", redirect) == 0
    out = capsys.readouterr().out
    assert "still uses its old keys" in out and "oauth confirm" in out
    assert run("oauth", "status", "--json") == 0
    status = __import__("json").loads(capsys.readouterr().out)
    assert status["stores"][0]["pending"] and status["app"]["secret_saved"]
    assert run("oauth", "confirm", "--store", "Legacy") == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert run("stores", "check", "Legacy", "--json") == 0
    printed = capsys.readouterr()
    refresh_token = gateway.token_requests(grant_type="refresh_token")[-1].form["refresh_token"]
    assert refresh_token not in printed.out + printed.err and APP_SECRET not in printed.out + printed.err


def test_refresh_token_expiry_warning(connected, gateway):
    from core.authorization import history

    _, redirect = connect(connected, gateway, new_store_name="Acme OAuth")
    oauth.complete_connect(connected, oauth.parse_callback(redirect), person("ops@example.com"))
    with session_scope(connected.engine) as session:
        assert history.deadlines(session, connected.settings).refresh_tokens_expiring == []
        session.execute(update(Credential).where(Credential.kind == "oauth_seller").values(secret_expires_at=utc_now() + timedelta(days=10)))
        [(name, days)] = history.deadlines(session, connected.settings).refresh_tokens_expiring
    assert name == "Acme OAuth" and days in (9, 10)


def test_wrong_app_secret_is_not_a_reconnect(connected, gateway):
    """invalid_client names the app's keys: new app keys, not a re-connect. The gateway's plain 401 does not say whose keys
    were refused, so it reads as a re-connect (the usual cause) that names the app's keys as the other one."""
    _, redirect = connect(connected, gateway, new_store_name="Acme OAuth")
    oauth.complete_connect(connected, oauth.parse_callback(redirect), person("ops@example.com"))
    with session_scope(connected.engine) as session:
        oauth.save_app_secret(session, connected.vault, connected.settings, "Not-the-app-secret-0123456789", actor=ADMIN)
    fresh = open_runtime(connected.settings)
    with session_scope(fresh.engine) as session:
        session.execute(text("delete from cachedtoken"))
    gateway.rejection_style = "oauth"
    outcome = authorization.check_store(fresh, "Acme OAuth")
    assert outcome.status == "rejected" and "app's own keys" in outcome.summary
    gateway.rejection_style = "gateway"
    outcome = authorization.check_store(fresh, "Acme OAuth")
    assert outcome.status == "reconnect_required" and outcome.http_status == 401
    assert "refresh token" in outcome.summary and "app's own keys" in outcome.summary and "Client Secret" in outcome.next_step
