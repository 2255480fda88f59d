"""The Fleet health page: chart, events and deadlines after real checks."""
from core.authorization import fleet
from core.db.engine import session_scope
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET
from tests.pages.conftest import page_text


def test_fleet_page_after_checks(app, runtime, gateway):
    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Good", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Mixed", environment="production", client_id=SANDBOX_ID, client_secret=SANDBOX_SECRET)
    with session_scope(runtime.engine) as session:
        ids = fleet.enabled_store_ids(session)
    list(fleet.check_many(runtime, ids))
    gateway.remove_key("production", CLIENT_ID)  # a colleague resets the key
    list(fleet.check_many(runtime, ids))
    app.run()
    app.switch_page("pages/fleet.py").run()
    assert not app.exception
    text = page_text(app)
    assert "Stores by status, per day" in text and "No checks in this period" not in text
    events = app.dataframe[-1].value
    assert list(events["Store"]) == ["Good"] and events.loc[0, "Change"] == "lost authorization"
    assert "2 store(s) still use Delegated Access keys" in text
