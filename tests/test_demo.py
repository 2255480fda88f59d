"""The demo seeds stores in every status through the real core, against the fake gateway."""
from core.authorization import history
from core.authorization.outcome import HealthState
from core.config import load_settings
from core.db.engine import session_scope
from core.runtime import open_runtime
from core.stores import registry as stores
from demo.seed import seed
from fake_walmart import FakeWalmart


def test_demo_seed_covers_every_status(tmp_path):
    with FakeWalmart() as gateway:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "STORE_CONNECT_KEY_FILE": str(tmp_path / "k"),
               "WALMART_API_BASE_URL": gateway.base_url("production"), "WALMART_SANDBOX_API_BASE_URL": gateway.base_url("sandbox"),
               "WALMART_AUTHORIZE_URL": gateway.authorize_url(), "WALMART_OAUTH_REDIRECT_URI": "http://localhost:8501/walmart_callback"}
        summary = seed(gateway, env)
        runtime = open_runtime(load_settings(env, env_file=None))
        with session_scope(runtime.engine) as session:
            counts = history.status_counts(session)
    # every health state but invalid_input, which the pre-checks keep from being saved
    assert [state for state in HealthState if not counts[state]] == [HealthState.invalid_input], summary
    assert counts.total == 12
    with session_scope(runtime.engine) as session:
        kite = stores.get_store(session, "Kite Supplies")
        assert (kite.environment, kite.credential_kind) == ("sandbox", "oauth_seller")  # a sandbox OAuth store
        assert history.store_health(session, kite.id).status == HealthState.authorized


def test_each_spare_key_gives_the_outcome_it_is_shown_with(tmp_path):
    """The keys the demo prints (and shows beside "Add a store") lead to the outcomes it names."""
    from core.authorization import check as authorization
    from demo.seed import spare_keys, spare_keys_text
    from tests.conftest import ADMIN

    with FakeWalmart() as gateway:
        spares = spare_keys(gateway)
        runtime = open_runtime(load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "STORE_CONNECT_KEY_FILE": str(tmp_path / "k"),
                                              "WALMART_API_BASE_URL": gateway.base_url("production"),
                                              "WALMART_SANDBOX_API_BASE_URL": gateway.base_url("sandbox")}, env_file=None))
        outcomes = {}
        for number, spare in enumerate(spares):
            with session_scope(runtime.engine) as session:
                store = stores.add_store(session, runtime.vault, actor=ADMIN, name=f"Try {number}", environment="production",
                                         client_id=spare["client_id"], client_secret=spare["client_secret"])
            outcomes[spare["outcome"]] = authorization.check_store(runtime, store.id).status.value
        runtime.engine.dispose()
    assert outcomes == {outcome: outcome for outcome in outcomes} and len(outcomes) == 5
    text = spare_keys_text(spares)
    assert all(spare["client_id"] in text and spare["client_secret"] in text for spare in spares)
    assert "same value into both boxes" in text


def test_demo_listings_show_every_pairing_method(tmp_path):
    from core.mapping import listings
    from core.mapping.pairing.matcher import Method
    from core.mapping.pairing.suggestions import Status, suggest

    with FakeWalmart() as gateway:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "STORE_CONNECT_KEY_FILE": str(tmp_path / "k"),
               "WALMART_API_BASE_URL": gateway.base_url("production"), "WALMART_SANDBOX_API_BASE_URL": gateway.base_url("sandbox"),
               "WALMART_AUTHORIZE_URL": gateway.authorize_url(), "WALMART_OAUTH_REDIRECT_URI": "http://localhost:8501/walmart_callback"}
        seed(gateway, env)
        runtime = open_runtime(load_settings(env, env_file=None))
        with session_scope(runtime.engine) as session:
            acme = stores.get_store(session, "Acme Outdoor").id
        report = listings.find_unmapped(runtime, acme)
        with session_scope(runtime.engine) as session:
            found = {s.listing.sku: s for s in suggest(session, acme, report.unmapped)[1]}
    assert {sku: (s.method, s.status()) for sku, s in found.items()} == {
        "SKU-0013": (Method.exact, Status.safe), "wm-sku-0014-us": (Method.rule, Status.safe), "AO-88215": (Method.barcode, Status.safe),
        "AO-MAPCASE-XL": (Method.similar, Status.review), "AO-POLE-01": (Method.barcode, Status.ambiguous),
        "WM-NEW-1": (None, Status.unmatched), "WM-NEW-2": (None, Status.unmatched)}
    assert [c.system_sku for c in found["AO-MAPCASE-XL"].candidates] == ["SKU-0016"]
