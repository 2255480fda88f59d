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
    assert list(events["Store"]) == ["Good"] and events.loc[0, "Change"] == "Lost authorization"
    assert "2 stores still use Delegated Access keys" in text
    assert events.loc[0, "From → to"] == "Authorized → Rejected"  # words, not codes


def chart_spec(app) -> dict:
    import json

    charts = app.get("vega_lite_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def test_one_day_of_history_is_a_bar_and_every_status_has_its_own_colour(app, runtime, gateway):
    """Three failing statuses once shared one red, and one day of history showed as a hairline on a time axis."""
    from ui.status import BADGES

    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Good", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Mixed", environment="production", client_id=SANDBOX_ID, client_secret=SANDBOX_SECRET)
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Gone", environment="production", client_id="5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
                         client_secret="Unknown-secret_value_0123456789abcdef")
    with session_scope(runtime.engine) as session:
        list(fleet.check_many(runtime, fleet.enabled_store_ids(session)))
    app.run()
    app.switch_page("pages/fleet.py").run()
    assert not app.exception
    spec = chart_spec(app)
    assert spec["encoding"]["x"]["type"] == "ordinal"  # days are categories: one day is a full bar
    assert len(spec["encoding"]["x"]["sort"]) == 30  # every day of the period has its place, checks or not
    scale = spec["encoding"]["color"]["scale"]
    assert scale["domain"] == ["Authorized", "Rejected", "Wrong environment"]
    assert len(set(scale["range"])) == 3 == len(scale["range"])
    colours = [badge.hex for badge in BADGES.values()]
    assert len(set(colours)) == len(colours)  # every state its own colour, here and in the store table
    legend_html = " ".join(m.value for m in app.markdown if "status-legend" in m.value)
    for label, colour in zip(scale["domain"], scale["range"]):
        assert f"background:{colour}\"></span>{label}" in legend_html  # the chart and the legend agree


def test_the_period_is_in_the_address(app):
    app.run()
    app.query_params["days"] = "7"
    app.switch_page("pages/fleet.py").run()
    assert app.get("button_group")[0].value == [7] or app.session_state["fleet_days"] == 7
    assert app.query_params["days"] == "7"
