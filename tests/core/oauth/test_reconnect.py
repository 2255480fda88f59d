"""Re-connecting a broken OAuth store: the new grant replaces the old one only once verified, the seller
must be the store's own, a duplicate seller needs a confirm, and a grant Walmart issued is never lost."""
import threading

import pytest
from sqlmodel import select

from core.authorization import check as authorization
from core.authorization import history
from core.db.engine import session_scope
from core.db.models import Credential, Store
from core.oauth import connect as oauth
from core.oauth import grants
from core.oauth.grants import ConnectState
from core.runtime import open_runtime
from core.stores import registry as stores
from core.stores.duplicates import LikelyDuplicate
from tests.conftest import person
from tests.core.oauth.conftest import SELLER, connect

OPS = person("ops@example.com")


def credentials(runtime, store_id):
    with session_scope(runtime.engine) as session:
        return {row.state: row for row in session.exec(select(Credential).where(Credential.store_id == store_id)).all() if row.state != "retired"}


@pytest.fixture
def broken(connected, gateway):
    """An OAuth store whose seller disconnected the app: its check says reconnect_required."""
    _, redirect = connect(connected, gateway, new_store_name="Harbor Tools")
    result = oauth.complete_connect(connected, oauth.parse_callback(redirect), OPS)
    gateway.revoke_seller(SELLER)
    gateway.add_seller(SELLER, partner_name="Acme Seller")  # the seller account is still there; its approval is gone
    runtime = open_runtime(connected.settings)
    assert authorization.check_store(runtime, result.store_id).status == "reconnect_required"
    yield runtime, result.store_id
    runtime.engine.dispose()


def test_a_verified_reconnect_replaces_the_broken_grant(broken, gateway):
    runtime, store_id = broken
    old = credentials(runtime, store_id)["active"]
    _, redirect = connect(runtime, gateway, store_id=store_id)
    result = oauth.complete_connect(runtime, oauth.parse_callback(redirect), OPS)
    assert result.state == ConnectState.reconnected and not result.pending and result.verification.status == "authorized"
    now = credentials(runtime, store_id)
    assert set(now) == {"active"} and now["active"].id != old.id and now["active"].verified_at is not None
    with session_scope(runtime.engine) as session:
        wiped = session.get(Credential, old.id)
        assert wiped.state == "retired" and wiped.secret_ciphertext == ""
        assert history.store_health(session, store_id).status == "authorized"  # the re-connect's check is the store's health
    assert authorization.check_store(runtime, store_id).status == "authorized"


def test_an_unverified_reconnect_keeps_the_old_grant_until_verified(broken, gateway):
    runtime, store_id = broken
    old = credentials(runtime, store_id)["active"]
    _, redirect = connect(runtime, gateway, store_id=store_id)
    gateway.queue_response("production", "/v3/token/detail", 503, times=3)
    result = oauth.complete_connect(runtime, oauth.parse_callback(redirect), OPS)
    assert result.state == ConnectState.not_verified and result.pending and result.verification.status == "unreachable"
    now = credentials(runtime, store_id)
    assert now["active"].id == old.id and now["pending"].verified_at is None
    outcome, state = grants.verify_pending(runtime, store_id, actor=OPS)
    assert outcome.status == "authorized" and state == ConnectState.reconnected
    assert set(credentials(runtime, store_id)) == {"active"} and credentials(runtime, store_id)["active"].id == now["pending"].id


def test_another_seller_is_refused_before_the_code_is_spent(broken, gateway):
    runtime, store_id = broken
    gateway.add_seller("999000111", partner_name="Someone Else")
    link, _ = connect(runtime, gateway, store_id=store_id)
    exchanges = len(gateway.token_requests(grant_type="authorization_code"))
    wrong = gateway.approve(link.url, "999000111")
    with pytest.raises(oauth.ConnectRefused) as caught:
        oauth.complete_connect(runtime, oauth.parse_callback(wrong), OPS)
    assert "999000111" in caught.value.message and SELLER in caught.value.message and "was not used" in caught.value.message
    assert f"seller {SELLER}" in caught.value.fix
    assert len(gateway.token_requests(grant_type="authorization_code")) == exchanges  # never sent to Walmart
    right = gateway.approve(link.url, SELLER)  # the same link, now with the store's own seller
    assert oauth.complete_connect(runtime, oauth.parse_callback(right), OPS).state == ConnectState.reconnected


def test_a_seller_already_on_another_store_needs_a_confirm(connected, gateway):
    _, redirect = connect(connected, gateway, new_store_name="Harbor Tools")
    oauth.complete_connect(connected, oauth.parse_callback(redirect), OPS)
    _, redirect = connect(connected, gateway, new_store_name="Harbor Tools Two")
    callback = oauth.parse_callback(redirect)
    exchanges = len(gateway.token_requests(grant_type="authorization_code"))
    with pytest.raises(LikelyDuplicate, match="Harbor Tools"):
        oauth.complete_connect(connected, callback, OPS)
    assert len(gateway.token_requests(grant_type="authorization_code")) == exchanges
    result = oauth.complete_connect(connected, callback, OPS, allow_duplicate=True)  # the same state still works: it was not spent
    assert result.store_name == "Harbor Tools Two" and result.state == ConnectState.connected


def test_a_new_store_name_taken_meanwhile_keeps_the_grant_under_a_free_name(connected, gateway):
    _, redirect = connect(connected, gateway, new_store_name="Harbor Tools")
    with session_scope(connected.engine) as session:  # a colleague adds the same name while the seller approves
        session.add(Store(name="Harbor Tools"))
    result = oauth.complete_connect(connected, oauth.parse_callback(redirect), OPS)
    assert result.store_name == "Harbor Tools (2)" and result.state == ConnectState.connected
    assert "'Harbor Tools'" in result.note and "'Harbor Tools (2)'" in result.note
    with session_scope(connected.engine) as session:
        view = stores.get_store(session, "Harbor Tools (2)")
    assert view.credential_kind == "oauth_seller" and view.seller_id == SELLER
    assert authorization.check_store(connected, view.id).status == "authorized"  # the refresh token was kept


def test_a_store_deleted_while_connecting_comes_back_as_a_new_store(broken, gateway):
    runtime, store_id = broken
    _, redirect = connect(runtime, gateway, store_id=store_id)
    with session_scope(runtime.engine) as session:
        stores.delete_store(session, store_id, actor=OPS)
    result = oauth.complete_connect(runtime, oauth.parse_callback(redirect), OPS)
    assert result.store_name == f"Walmart seller {SELLER}" and result.state == ConnectState.connected and "deleted" in result.note
    assert authorization.check_store(runtime, result.store_id).status == "authorized"


def test_two_completions_of_one_state_at_once_exchange_the_code_once(connected, gateway, monkeypatch):
    """Both completions read the state as unused before either spends it: only the guarded update stops the second."""
    _, redirect = connect(connected, gateway, new_store_name="Harbor Tools")
    callback = oauth.parse_callback(redirect)
    both_read = threading.Barrier(2, timeout=10)
    spend = oauth.spend_state

    def spend_after_both_read(session, state):
        both_read.wait()
        spend(session, state)

    monkeypatch.setattr(oauth, "spend_state", spend_after_both_read)
    results, refusals = [], []

    def complete():
        try:
            results.append(oauth.complete_connect(connected, callback, OPS))
        except oauth.ConnectRefused as refused:
            refusals.append(refused)

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 1 and len(refusals) == 1 and "already used" in refusals[0].message
    assert len(gateway.token_requests(grant_type="authorization_code")) == 1
    with session_scope(connected.engine) as session:
        assert len(session.exec(select(Store).where(Store.name.startswith("Harbor Tools"))).all()) == 1


def test_a_revoked_grant_is_told_apart_from_a_healthy_one(broken):
    runtime, store_id = broken
    from core.oauth.overview import ConnectNeed, connect_rows

    with session_scope(runtime.engine) as session:
        [row], total = connect_rows(session, warn_days=30)
    assert total == 1 and row.need == ConnectNeed.reconnect and "revoked" in row.summary
    # Its refresh token's date alone would say all is well (364 days left): no days are counted for a revoked grant.
    assert row.refresh_expires_at is not None and row.days_left is None


def test_a_name_taken_between_the_look_and_the_insert_takes_the_next_free_one(runtime, monkeypatch):
    """The race itself: the look finds the name free, the insert collides; the savepoint keeps the rest of the work."""
    import sqlalchemy
    import sqlmodel

    with session_scope(runtime.engine) as session:
        session.add(Store(name="Harbor Tools"))
    monkeypatch.setattr(grants, "select", lambda *what: sqlmodel.select(*what).where(sqlalchemy.false()))  # every look misses
    with session_scope(runtime.engine) as session:
        session.add(Store(name="Earlier work"))  # done before in the same transaction: must survive the failed insert
        session.flush()
        store = grants._new_store(session, "Harbor Tools", "production", OPS)
    assert store.name == "Harbor Tools (2)"
    with session_scope(runtime.engine) as session:
        assert {s.name for s in session.exec(select(Store)).all()} == {"Harbor Tools", "Harbor Tools (2)", "Earlier work"}
