"""OAuth in the sandbox, as Walmart's Simulate App Connect runs it: every token call goes to the sandbox."""
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text

from core.authorization import check as authorization
from core.db.engine import session_scope
from core.errors import ValidationFailed
from core.oauth import connect as oauth
from core.oauth import grants
from core.oauth.grants import ConnectState
from core.runtime import open_runtime
from core.stores import registry as stores
from tests.conftest import SANDBOX_ID, SANDBOX_SECRET, person
from tests.core.oauth.conftest import SELLER, connect

OPS = person("ops@example.com")


def simulated(gateway, runtime, new_store_name="Rehearsal"):
    """What Simulate App Connect shows on its success screen: the authorization code and the Seller ID."""
    with session_scope(runtime.engine) as session:
        link = oauth.start_connect(session, runtime.settings, OPS, new_store_name=new_store_name)
    query = parse_qs(urlparse(gateway.approve(link.url, SELLER)).query)
    return query["code"][0], query["sellerId"][0]


def test_a_new_sandbox_store_from_a_pasted_code_and_seller_id(connected, gateway):
    code, seller_id = simulated(gateway, connected, new_store_name="ignored")
    gateway.clear_requests()
    result = oauth.connect_with_code(connected, OPS, code=f" {code} ", seller_id=seller_id, new_store_name="Rehearsal", environment="sandbox")
    assert result.state == ConnectState.connected and result.verification.status == "authorized" and result.verification.environment == "sandbox"
    assert {r.environment for r in gateway.requests} == {"sandbox"}  # the exchange and the verification
    assert [r.form["grant_type"] for r in gateway.token_requests()] == ["authorization_code", "refresh_token"]
    with session_scope(connected.engine) as session:
        view = stores.get_store(session, "Rehearsal")
    assert (view.environment, view.market, view.credential_kind, view.seller_id) == ("sandbox", "us", "oauth_seller", SELLER)
    gateway.clear_requests()
    with session_scope(connected.engine) as session:
        session.execute(text("delete from cachedtoken"))
    assert authorization.check_store(open_runtime(connected.settings), "Rehearsal").status == "authorized"
    assert [(r.environment, r.form.get("grant_type")) for r in gateway.token_requests()] == [("sandbox", "refresh_token")]


def test_a_sandbox_store_on_keys_moves_to_oauth_in_the_sandbox(connected, gateway):
    with session_scope(connected.engine) as session:
        view = stores.add_store(session, connected.vault, actor=OPS, name="Sandbox keys", environment="sandbox",
                                client_id=SANDBOX_ID, client_secret=SANDBOX_SECRET)
    _, redirect = connect(connected, gateway, store_id=view.id)
    result = oauth.complete_connect(connected, oauth.parse_callback(redirect), OPS)
    assert result.state == ConnectState.waiting_for_switch and result.verification.environment == "sandbox"
    assert gateway.token_requests(grant_type="authorization_code")[-1].environment == "sandbox"
    with session_scope(connected.engine) as session:
        grants.confirm_switch(session, view.id, actor=OPS)
    with session_scope(connected.engine) as session:
        assert stores.get_store(session, view.id).environment == "sandbox"  # the switch never moves a store to production
    assert authorization.check_store(connected, view.id).status == "authorized"


@pytest.mark.parametrize("code, seller_id, words", [("", SELLER, "code is empty"), ("AB CD", SELLER, "has spaces"),
                                                    ("ABCD", "45 67", "not a Walmart Seller ID"), ("ABCD", "", "not a Walmart Seller ID")])
def test_a_pasted_code_or_seller_id_is_checked_before_anything_happens(connected, gateway, code, seller_id, words):
    with pytest.raises(ValidationFailed, match=words):
        oauth.connect_with_code(connected, OPS, code=code, seller_id=seller_id, new_store_name="Rehearsal")
    assert gateway.token_requests() == []


def test_a_wrong_code_is_refused_and_nothing_is_made(connected, gateway):
    with pytest.raises(oauth.ConnectRefused, match="did not accept the authorization code"):
        oauth.connect_with_code(connected, OPS, code="NOT-A-CODE", seller_id=SELLER, new_store_name="Rehearsal")
    with session_scope(connected.engine) as session:
        assert stores.list_stores(session) == []
