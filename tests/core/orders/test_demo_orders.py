"""The demo's orders: the Orders page opens on SKUs awaiting mapping, a default-only SKU is not among them, a bundle explodes."""
from core.config import load_settings
from core.db.engine import session_scope
from core.db.models import saved_id
from core.orders.awaiting import awaiting_mapping
from core.orders.explode import explode_order, recent_orders
from core.runtime import open_runtime
from core.stores import registry as stores
from demo.seed import seed
from fake_walmart import FakeWalmart


def test_the_demo_shows_orders_awaiting_mapping(tmp_path):
    with FakeWalmart() as gateway:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}", "STORE_CONNECT_KEY_FILE": str(tmp_path / "k"),
               "WALMART_API_BASE_URL": gateway.base_url("production"), "WALMART_SANDBOX_API_BASE_URL": gateway.base_url("sandbox"),
               "WALMART_AUTHORIZE_URL": gateway.authorize_url(), "WALMART_OAUTH_REDIRECT_URI": "http://localhost:8501/walmart_callback"}
        summary = seed(gateway, env)
    runtime = open_runtime(load_settings(env, env_file=None))
    with session_scope(runtime.engine) as session:
        acme = saved_id(stores.find_store(session, "Acme Outdoor"))
        blocked = awaiting_mapping(session, acme)
        first = recent_orders(session, acme, limit=1)[0]
        explosion = explode_order(session, acme, first.purchase_order_id)
    runtime.engine.dispose()
    skus = [entry.sku for entry in blocked]
    assert skus[0] == "WM-NEW-1" and blocked[0].orders == 3  # the cancelled order does not count
    assert {"AO-MAPCASE-XL", "wm-sku-0014-us", "WM-NEW-2"} <= set(skus)
    assert "WM-GIFT-COMPASS" not in skus and "WM-FIRSTAID-2" not in skus and "WM-OLD-1" not in skus  # default-only; outside 14 days
    assert explosion is not None and explosion.lines[0].sku == "WM-3PACK-SOCKS"
    assert [(c.system_sku, c.quantity) for c in explosion.lines[0].components or []] == [("SKU-0005", 6)]
    assert "SKUs awaiting mapping" in summary
