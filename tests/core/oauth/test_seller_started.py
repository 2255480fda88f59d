"""Seller-started connect through the fake gateway and a real database: the Login URL's state, the
callback's single code exchange, pending connections and an admin attaching them."""
import json
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from core.access import NotAllowed, Role
from core.authorization import history
from core.db.engine import session_scope
from core.db.models import AuditEntry, ConnectRequest, Credential, PendingConnection, Store, utc_now
from core.errors import Conflict, NotFound, ValidationFailed
from core.oauth import connect as oauth
from core.oauth import grants, seller_started
from core.runtime import open_runtime
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, database_dump, person

APP_ID, APP_SECRET = "9c8b7a65-4321-4fed-8cba-0987654321ab", "App-secret-value_0123456789abcdefghij"
SELLER, OTHER_SELLER = "456782346", "998877665"
REDIRECT = "http://127.0.0.1:8501/walmart_callback"


@pytest.fixture
def app_runtime(settings, gateway):
    """Settings with our OAuth app registered at the fake Walmart, its secret saved."""
    app_settings = replace(settings, oauth_client_id=APP_ID, authorize_url=gateway.authorize_url(), oauth_redirect_uri=REDIRECT)
    gateway.register_app(APP_ID, APP_SECRET, REDIRECT)
    gateway.add_seller(SELLER, partner_name="Acme Seller")
    gateway.add_seller(OTHER_SELLER, partner_name="Other Seller")
    runtime = open_runtime(app_settings)
    with session_scope(runtime.engine) as session:
        oauth.save_app_secret(session, runtime.vault, app_settings, APP_SECRET, actor=ADMIN)
    yield runtime
    runtime.engine.dispose()


def seller_arrives(runtime, gateway, seller=SELLER) -> oauth.Callback:
    """A seller lands on our Login URL, follows it to Walmart and approves: the callback Walmart sends back."""
    with session_scope(runtime.engine) as session:
        link = seller_started.start_seller_connect(session, runtime.settings)
    return oauth.parse_callback(gateway.approve(link.url, seller))


def exchanges(gateway) -> int:
    return len(gateway.token_requests(grant_type="authorization_code"))


def waiting(runtime, actor=ADMIN):
    with session_scope(runtime.engine) as session:
        return seller_started.pending_connections(session, actor=actor)


def test_login_url_sits_beside_the_callback(app_runtime):
    assert seller_started.login_url(app_runtime.settings) == "http://127.0.0.1:8501/walmart_login"


def test_seller_started_connect_attached_to_a_new_store(app_runtime, gateway):
    callback = seller_arrives(app_runtime, gateway)
    receipt = seller_started.receive_seller_connect(app_runtime, callback)
    assert not receipt.repeated and receipt.seller_id == SELLER and exchanges(gateway) == 1
    [view] = waiting(app_runtime)
    assert (view.id, view.seller_id, view.store_name) == (receipt.pending_id, SELLER, None)
    assert view.refresh_expires_at - view.received_at >= timedelta(days=364)

    result = seller_started.attach(app_runtime, view.id, actor=ADMIN, new_store_name="  Acme   App Store ")
    assert (result.store_name, result.seller_id, result.pending) == ("Acme App Store", SELLER, False)
    assert result.verification.status == "authorized"
    assert exchanges(gateway) == 1  # attaching used the stored grant: no second exchange
    assert waiting(app_runtime) == []
    with session_scope(app_runtime.engine) as session:
        view_ = stores.get_store(session, "Acme App Store")
        assert view_.credential_kind == "oauth_seller" and view_.seller_id == SELLER
        assert history.store_health(session, view_.id).status == "authorized"
        row = session.get(PendingConnection, receipt.pending_id)
        assert (row.status, row.store_id, row.resolved_by, row.secret_ciphertext) == ("attached", view_.id, ADMIN.name, "")
        actions = [(e.actor, e.action) for e in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]
    assert ("Walmart seller (App Store)", "oauth.seller_connect") in actions and (ADMIN.name, "oauth.attach") in actions


def test_attached_to_an_existing_store_on_delegated_keys(app_runtime, gateway):
    with session_scope(app_runtime.engine) as session:
        legacy = stores.add_store(session, app_runtime.vault, actor=ADMIN, name="Legacy", environment="production",
                                  client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    receipt = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    result = seller_started.attach(app_runtime, receipt.pending_id, actor=ADMIN, store_name="Legacy")
    assert result.store_id == legacy.id and result.pending and result.verification.status == "authorized"
    with session_scope(app_runtime.engine) as session:
        assert stores.get_store(session, "Legacy").credential_kind == "delegated_key"  # old keys in use until the switch
        grants.confirm_switch(session, legacy.id, actor=ADMIN)
    with session_scope(app_runtime.engine) as session:
        assert stores.get_store(session, "Legacy").seller_id == SELLER
    assert exchanges(gateway) == 1


def test_reconnect_of_the_same_seller_is_suggested_and_allowed_and_a_second_store_refused(app_runtime, gateway):
    first = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    seller_started.attach(app_runtime, first.pending_id, actor=ADMIN, new_store_name="Acme")
    again = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    [view] = waiting(app_runtime)
    assert view.store_name == "Acme"  # the admin is told where this seller already is
    with pytest.raises(seller_started.SellerAlreadyConnected, match="already connected to the store 'Acme'"):
        seller_started.attach(app_runtime, again.pending_id, actor=ADMIN, new_store_name="Acme Twice")
    with session_scope(app_runtime.engine) as session:
        stores.add_store(session, app_runtime.vault, actor=ADMIN, name="Elsewhere", environment="production", client_id=CLIENT_ID,
                         client_secret=CLIENT_SECRET)
    with pytest.raises(seller_started.SellerAlreadyConnected):
        seller_started.attach(app_runtime, again.pending_id, actor=ADMIN, store_name="Elsewhere")
    result = seller_started.attach(app_runtime, again.pending_id, actor=ADMIN, store_name="Acme")
    assert result.verification.status == "authorized"
    with session_scope(app_runtime.engine) as session:
        live = session.exec(select(Credential).where(Credential.state != "retired", Credential.kind == "oauth_seller")).all()
        assert [(c.store_id, c.seller_id) for c in live] == [(result.store_id, SELLER)]
        assert session.exec(select(func.count()).select_from(Store)).one() == 2
    assert exchanges(gateway) == 2  # one per seller approval, none for attaching


def test_a_store_connected_to_another_seller_is_refused_plainly(app_runtime, gateway):
    other = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway, OTHER_SELLER))
    seller_started.attach(app_runtime, other.pending_id, actor=ADMIN, new_store_name="Other shop")
    receipt = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    with pytest.raises(Conflict) as refused:
        seller_started.attach(app_runtime, receipt.pending_id, actor=ADMIN, store_name="Other shop")
    assert f"connected to Walmart seller {OTHER_SELLER}" in refused.value.message and SELLER in refused.value.message
    assert "different Walmart accounts" in refused.value.fix
    assert [view.id for view in waiting(app_runtime)] == [receipt.pending_id]  # still waiting for a right decision


def test_the_code_is_exchanged_once_whatever_happens_next(app_runtime, gateway):
    with session_scope(app_runtime.engine) as session:
        stores.add_store(session, app_runtime.vault, actor=ADMIN, name="Taken", environment="production", client_id=CLIENT_ID,
                         client_secret=CLIENT_SECRET)
    callback = seller_arrives(app_runtime, gateway)
    first = seller_started.receive_seller_connect(app_runtime, callback)
    reload = seller_started.receive_seller_connect(app_runtime, callback)  # the seller reloads the callback page
    assert reload.repeated and reload.pending_id == first.pending_id
    with pytest.raises(Conflict, match="already exists"):  # a name clash leaves the connection waiting
        seller_started.attach(app_runtime, first.pending_id, actor=ADMIN, new_store_name="Taken")
    seller_started.attach(app_runtime, first.pending_id, actor=ADMIN, new_store_name="Fresh")
    with pytest.raises(Conflict, match="already dealt with"):
        seller_started.attach(app_runtime, first.pending_id, actor=ADMIN, new_store_name="Fresh again")
    assert seller_started.receive_seller_connect(app_runtime, callback).repeated  # a reload after attaching
    assert exchanges(gateway) == 1
    with session_scope(app_runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(PendingConnection)).one() == 1


def test_two_loads_of_the_callback_at_the_same_moment_exchange_once(app_runtime, gateway):
    callback = seller_arrives(app_runtime, gateway)
    gateway.latency = 0.3  # both loads are inside the exchange window together
    start, outcomes = threading.Barrier(2), []

    def load():
        start.wait()
        try:
            outcomes.append(seller_started.receive_seller_connect(app_runtime, callback))
        except oauth.ConnectRefused as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gateway.latency = 0
    assert exchanges(gateway) == 1
    assert len([o for o in outcomes if isinstance(o, seller_started.Receipt)]) >= 1
    assert len(waiting(app_runtime)) == 1


def test_the_same_seller_again_replaces_the_earlier_waiting_connection(app_runtime, gateway):
    first = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    second = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    assert [view.id for view in waiting(app_runtime)] == [second.pending_id]
    with session_scope(app_runtime.engine) as session:
        old = session.get(PendingConnection, first.pending_id)
        assert (old.status, old.secret_ciphertext) == ("superseded", "")
    with pytest.raises(Conflict):
        seller_started.attach(app_runtime, first.pending_id, actor=ADMIN, new_store_name="Old grant")


def test_a_new_store_from_a_pending_connection_follows_the_name_rules(app_runtime, gateway, run):
    """The same rules as every other way in: a canonical name, refused characters, and a look-alike named before saving."""
    from core.stores.duplicates import LikelyDuplicate

    with session_scope(app_runtime.engine) as session:
        stores.add_store(session, app_runtime.vault, actor=ADMIN, name="Acme Outdoor", environment="production",
                         client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    receipt = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    with pytest.raises(ValidationFailed, match="right-to-left override"):
        seller_started.attach(app_runtime, receipt.pending_id, actor=ADMIN, new_store_name="Acme\u202eUS")
    with pytest.raises(LikelyDuplicate, match="Acme Outdoor"):
        seller_started.attach(app_runtime, receipt.pending_id, actor=ADMIN, new_store_name="acme  OUTDOOR")
    code, _, err = run("oauth", "attach", str(receipt.pending_id), "--new", "ACME outdoor")
    assert code == 6 and "--allow-duplicate" in err
    assert [view.id for view in waiting(app_runtime)] == [receipt.pending_id]  # refused: the connection still waits
    code, out, _ = run("oauth", "attach", str(receipt.pending_id), "--new", "ACME outdoor", "--allow-duplicate")
    assert code == 0 and "ACME outdoor: attached" in out


def test_states_are_bounded_and_expired_ones_cleaned_up(app_runtime):
    limited = replace(app_runtime.settings, seller_connect_limit=3)
    for _ in range(3):
        with session_scope(app_runtime.engine) as session:
            seller_started.start_seller_connect(session, limited)
    with session_scope(app_runtime.engine) as session, pytest.raises(seller_started.TooManyAttempts, match="Too many"):
        seller_started.start_seller_connect(session, limited)
    with session_scope(app_runtime.engine) as session:
        session.execute(update(ConnectRequest).values(expires_at=utc_now() - timedelta(minutes=1)))
    with session_scope(app_runtime.engine) as session:
        seller_started.start_seller_connect(session, limited)
    with session_scope(app_runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(ConnectRequest)).one() == 1


def test_who_finishes_a_callback_and_who_hands_it_to_review(app_runtime, gateway):
    callback = seller_arrives(app_runtime, gateway)
    with pytest.raises(oauth.ConnectRefused, match="someone else"):
        oauth.complete_connect(app_runtime, callback, ADMIN)  # a dashboard user cannot finish a seller's connect
    with session_scope(app_runtime.engine) as session:
        link = oauth.start_connect(session, app_runtime.settings, person("ops@example.com"), new_store_name="Dashboard")
        assert not seller_started.for_review(session, link.state, "ops@example.com")  # its maker finishes it on the spot
        assert seller_started.for_review(session, link.state, None)  # the seller's own browser (a copied link): for review
        assert seller_started.for_review(session, link.state, "someone@example.com")
        assert seller_started.for_review(session, callback.state, "ops@example.com") and seller_started.for_review(session, callback.state, None)
        assert not seller_started.for_review(session, "forged", None) and not seller_started.for_review(session, "", None)
    assert exchanges(gateway) == 0
    with pytest.raises(oauth.ConnectRefused, match="not one we issued"):
        seller_started.receive_seller_connect(app_runtime, replace(callback, state="forged"))


def test_a_copied_link_finished_in_the_sellers_browser_waits_for_review_beside_its_store(app_runtime, gateway, run):
    """The link was copied and sent to the seller: Walmart brings the seller's browser back, not the admin's. The code is
    exchanged there and then, once, and the grant waits for review naming the store the link was made for."""
    ops = person("ops@example.com")
    with session_scope(app_runtime.engine) as session:
        store = stores.add_store(session, app_runtime.vault, actor=ADMIN, name="Acme Outdoor", environment="production",
                                 client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        link = oauth.start_connect(session, app_runtime.settings, ops, store_id=store.id)
    receipt = seller_started.receive_seller_connect(app_runtime, oauth.parse_callback(gateway.approve(link.url, SELLER)))
    assert exchanges(gateway) == 1 and not receipt.repeated
    [view] = waiting(app_runtime)
    assert (view.seller_id, view.requested_store, view.requested_store_exists, view.requested_by) == (SELLER, "Acme Outdoor", True, ops.name)
    assert view.to_dict()["requested_store"] == "Acme Outdoor"
    code, out, _ = run("oauth", "pending")
    assert code == 0 and f"from the Connect link {ops.name} made for 'Acme Outdoor'" in out
    code, out, _ = run("oauth", "connect", "--store", "Acme Outdoor")  # a link made on the command line says where it comes back
    assert code == 0 and "python -m core oauth pending" in out
    result = seller_started.attach(app_runtime, view.id, actor=ADMIN, store_name="Acme Outdoor")
    assert result.state == grants.ConnectState.waiting_for_switch and result.verification.status == "authorized"
    assert exchanges(gateway) == 1
    with pytest.raises(oauth.ConnectRefused, match="already used"):  # the admin pasting the same address later: nothing twice
        oauth.complete_connect(app_runtime, oauth.parse_callback(gateway.approve(link.url, SELLER)), ops)


def test_walmart_refusing_the_code_keeps_nothing(app_runtime, gateway):
    callback = seller_arrives(app_runtime, gateway)
    with pytest.raises(oauth.ConnectRefused, match="did not accept"):
        seller_started.receive_seller_connect(app_runtime, replace(callback, code="NOT-A-CODE"))
    assert waiting(app_runtime) == []
    with pytest.raises(oauth.ConnectRefused, match="already used"):  # the state was spent before the exchange
        seller_started.receive_seller_connect(app_runtime, callback)


@pytest.mark.parametrize("role", [Role.viewer, Role.editor, None])
def test_only_admins_list_attach_or_discard(app_runtime, gateway, role):
    receipt = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    someone = person("someone@example.com", role)
    with pytest.raises(NotAllowed):
        waiting(app_runtime, someone)
    with pytest.raises(NotAllowed):
        seller_started.attach(app_runtime, receipt.pending_id, actor=someone, new_store_name="Mine")
    with session_scope(app_runtime.engine) as session, pytest.raises(NotAllowed):
        seller_started.discard(session, receipt.pending_id, actor=someone)
    assert [view.id for view in waiting(app_runtime)] == [receipt.pending_id]


def test_discard_wipes_the_token_and_nothing_is_ever_in_clear(app_runtime, gateway):
    receipt = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    dump = database_dump(app_runtime.engine)
    [refresh_token] = [t for t in gateway._state.refresh_tokens]  # the fake's own record of what it issued
    assert SELLER in dump and refresh_token not in dump and APP_SECRET not in dump
    with session_scope(app_runtime.engine) as session:
        seller_started.discard(session, receipt.pending_id, actor=ADMIN)
    assert waiting(app_runtime) == []
    with session_scope(app_runtime.engine) as session:
        assert session.get(PendingConnection, receipt.pending_id).secret_ciphertext == ""


def test_attach_needs_exactly_one_target(app_runtime, gateway):
    receipt = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    with pytest.raises(ValidationFailed):
        seller_started.attach(app_runtime, receipt.pending_id, actor=ADMIN)
    with pytest.raises(ValidationFailed):
        seller_started.attach(app_runtime, receipt.pending_id, actor=ADMIN, store_name="A", new_store_name="B")
    with pytest.raises(ValidationFailed, match="needs a name"):
        seller_started.attach(app_runtime, receipt.pending_id, actor=ADMIN, new_store_name="   ")
    with pytest.raises(NotFound):
        seller_started.attach(app_runtime, receipt.pending_id, actor=ADMIN, store_name="Nowhere")
    with pytest.raises(NotFound):
        seller_started.attach(app_runtime, 999, actor=ADMIN, new_store_name="X")
    with session_scope(app_runtime.engine) as session:
        stores.add_store(session, app_runtime.vault, actor=ADMIN, name="Acme Canada", environment="production", market="ca",
                         client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with pytest.raises(ValidationFailed, match="US stores only"):  # Walmart documents the app flow for the US only
        seller_started.attach(app_runtime, receipt.pending_id, actor=ADMIN, store_name="Acme Canada")
    assert [view.id for view in waiting(app_runtime)] == [receipt.pending_id]


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def run(app_runtime, monkeypatch, capsys):
    from cli.main import main

    monkeypatch.setenv("STORE_CONNECT_OPERATOR", "night-shift")

    def run(*argv):
        code = main(list(argv), runtime_factory=lambda: app_runtime)
        out, err = capsys.readouterr()
        assert APP_SECRET not in out + err
        return code, out, err

    return run


def test_cli_pending_and_attach_with_exit_codes(app_runtime, gateway, run):
    assert run("oauth", "pending")[:2] == (0, "0 seller-started connections are waiting for review.\n")
    receipt = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    code, out, _ = run("oauth", "pending", "--json")
    [listed] = json.loads(out)
    assert code == 0 and listed["id"] == receipt.pending_id and listed["seller_id"] == SELLER and listed["store"] is None
    code, out, _ = run("oauth", "pending")
    assert code == 0 and "1 seller-started connection is waiting" in out and f"{receipt.pending_id}: Walmart seller {SELLER}" in out

    for usage in ([str(receipt.pending_id)], [str(receipt.pending_id), "--store", "A", "--new", "B"], ["not-a-number", "--new", "B"]):
        with pytest.raises(SystemExit) as exited:  # argparse: --store or --new, exactly one, and a number
            run("oauth", "attach", *usage)
        assert exited.value.code == 2
    assert run("oauth", "attach", "999", "--new", "B")[0] == 2  # no such pending connection

    code, out, _ = run("oauth", "attach", str(receipt.pending_id), "--new", "Acme CLI", "--json")
    attached = json.loads(out)
    assert code == 0 and attached["store"] == "Acme CLI" and attached["seller_id"] == SELLER
    assert attached["verification"]["status"] == "authorized" and not attached["pending"]
    code, _, err = run("oauth", "attach", str(receipt.pending_id), "--new", "Acme CLI 2")
    assert code == 3 and "already dealt with" in err

    again = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway))
    code, out, _ = run("oauth", "pending", "--json")
    assert json.loads(out)[0]["store"] == "Acme CLI"
    code, _, err = run("oauth", "attach", str(again.pending_id), "--new", "Acme CLI 2")
    assert code == 6 and "already connected to the store 'Acme CLI'" in err

    other = seller_started.receive_seller_connect(app_runtime, seller_arrives(app_runtime, gateway, OTHER_SELLER))
    code, _, err = run("oauth", "attach", str(other.pending_id), "--store", "Acme CLI")
    assert code == 3 and f"connected to Walmart seller {SELLER}" in err
    code, out, _ = run("oauth", "attach", str(again.pending_id), "--store", "Acme CLI")
    assert code == 0 and "Acme CLI: attached Walmart seller" in out

    assert run("oauth", "discard", str(other.pending_id)) == (0, f"Seller-started connection {other.pending_id} was discarded; its refresh token was wiped.\n", "")
    assert run("oauth", "discard", str(other.pending_id))[0] == 3
    assert json.loads(run("oauth", "pending", "--json")[1]) == []
    assert exchanges(gateway) == 3


@pytest.mark.parametrize("query", ["seller pressed Connect in the App Store", "login url", "pending connection attach"])
def test_the_faq_answers_seller_started_questions(query):
    from core.troubleshooting.faq import load_faq
    from core.troubleshooting.search import search

    [first, *_] = search(load_faq(), query)
    assert first.entry.id == "seller-started-connect"
    assert any("python -m core oauth attach" in step for step in first.entry.steps)
