"""Which stores the Connect page lists, and why: searched and paged in the database."""
from datetime import timedelta

from sqlalchemy import update

from core.authorization.outcome import HealthState
from core.db.engine import session_scope
from core.db.models import Credential, CredentialKind, Store, StoreHealth, utc_now
from core.oauth.overview import ConnectNeed, connect_counts, connect_rows, need_of
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET

TODAY = utc_now().date()


def oauth_store(session, name, *, expires_in_days=300, status=None, pending=False):
    store = Store(name=name)
    session.add(store)
    session.flush()
    session.add(Credential(store_id=store.id, kind=CredentialKind.oauth_seller, client_id="app", seller_id=f"9{store.id}",
                           secret_ciphertext="x", secret_expires_at=utc_now() + timedelta(days=expires_in_days)))
    if pending:
        session.add(Credential(store_id=store.id, kind=CredentialKind.oauth_seller, state="pending", client_id="app", seller_id="1", secret_ciphertext="x"))
    if status:
        session.add(StoreHealth(store_id=store.id, status=status, checked_at=utc_now(), summary="Walmart said: Refresh token has been revoked"))
    return store


def seed(runtime):
    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Delegated", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Maple CA", environment="production", market="ca",
                         client_id="0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", client_secret=CLIENT_SECRET + "x")
        oauth_store(session, "Healthy", status="authorized")
        oauth_store(session, "Revoked", status="reconnect_required")
        oauth_store(session, "Refused", status="rejected")
        oauth_store(session, "Expiring", expires_in_days=10, status="authorized")
        oauth_store(session, "Expired", expires_in_days=-2, status="authorized")
        oauth_store(session, "Waiting", status="authorized", pending=True)
        session.add(Store(name="Bare"))


def test_the_default_list_is_every_us_store_needing_a_connect_with_its_reason(runtime):
    seed(runtime)
    with session_scope(runtime.engine) as session:
        rows, total = connect_rows(session, warn_days=30)
        everything, all_total = connect_rows(session, warn_days=30, needing_only=False, limit=100)
        counts = connect_counts(session, warn_days=30)
    assert {row.name: row.need for row in rows} == {
        "Bare": ConnectNeed.no_credential, "Delegated": ConnectNeed.delegated_keys, "Expired": ConnectNeed.expired,
        "Expiring": ConnectNeed.expiring, "Refused": ConnectNeed.reconnect, "Revoked": ConnectNeed.reconnect, "Waiting": ConnectNeed.waiting,
    }
    assert total == len(rows) == 7 and [row.name for row in rows] == sorted(row.name for row in rows)
    assert all_total == 8 and {row.name for row in everything} - {row.name for row in rows} == {"Healthy"}  # Maple CA: outside the US
    assert all(row.need != ConnectNeed.none for row in rows) and [r.need for r in everything if r.name == "Healthy"] == [ConnectNeed.none]
    assert (counts.on_delegated_keys, counts.on_oauth, counts.needing_connect, counts.outside_us) == (1, 6, 7, 1)


def test_search_and_pages(runtime):
    with session_scope(runtime.engine) as session:
        for number in range(45):
            session.add(Store(name=f"Store {number:03d}"))
        session.add(Store(name="Harbor Tools"))
    with session_scope(runtime.engine) as session:
        first, total = connect_rows(session, warn_days=30, limit=20)
        third, _ = connect_rows(session, warn_days=30, offset=40, limit=20)
        found, found_total = connect_rows(session, warn_days=30, search=" harbor ")
    assert total == 46 and len(first) == 20 and len(third) == 6 and first[0].name == "Harbor Tools"
    assert [row.name for row in found] == ["Harbor Tools"] and found_total == 1


def test_the_row_rule_and_the_database_filter_agree_at_the_warning_edge(runtime):
    with session_scope(runtime.engine) as session:
        store = oauth_store(session, "Edge", status="authorized")
    for days, expected in ((31, ConnectNeed.none), (30, ConnectNeed.expiring), (0, ConnectNeed.expiring), (-1, ConnectNeed.expired)):
        with session_scope(runtime.engine) as session:
            moment = utc_now().replace(hour=12, minute=0) + timedelta(days=days)
            session.execute(update(Credential).where(Credential.store_id == store.id).values(secret_expires_at=moment))
        with session_scope(runtime.engine) as session:
            [row], _ = connect_rows(session, warn_days=30, needing_only=False)
            _, needing = connect_rows(session, warn_days=30)
        assert row.need == expected and needing == (expected != ConnectNeed.none)
        assert need_of(CredentialKind.oauth_seller, False, HealthState.authorized, moment, TODAY, 30) == expected
