"""The Store authorization page through AppTest: empty state, add, findings, check, matrix."""
from core.authorization.outcome import HealthState
from core.db.engine import session_scope
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET
from tests.pages.conftest import page_text, shown


def add_store(at, name, client_id, secret, environment="production"):
    version = at.session_state["form_version"]
    at.text_input(key=f"add_name_{version}").input(name)
    at.radio(key=f"add_env_{version}").set_value(environment)
    at.text_input(key=f"add_client_id_{version}").input(client_id)
    at.text_input(key=f"add_secret_{version}").input(secret)
    at.run()
    at.button(key="add_store").click().run()


def test_every_health_state_has_a_badge():
    from ui.status import BADGES

    assert list(BADGES) == list(HealthState)


def test_empty_state_walks_through_the_three_steps(app):
    app.run()
    assert not app.exception
    text = page_text(app)
    assert "Connect your first Walmart store" in text
    for step in ("Create the key", "Enable its permissions", "Paste it here"):
        assert step in text
    assert "Back it up" in text  # where the generated key file is


def test_findings_show_while_pasting(app):
    app.run()
    app.text_input(key="add_client_id_0").input(CLIENT_ID)
    app.text_input(key="add_secret_0").input("\u200b" + CLIENT_SECRET)
    app.run()
    errors = " ".join(e.value for e in app.error)
    assert "U+200B" in errors or "zero" in errors.lower()
    app.text_input(key="add_name_0").input("Acme")
    app.run()
    save = app.button(key="add_store")
    assert save.disabled and "Fix the problems shown above first" in save.help  # blocked, nothing saved
    assert "Connect your first Walmart store" in page_text(app)


def test_the_same_value_in_both_boxes_is_said_once(app):
    app.run()
    app.text_input(key="add_name_0").input("Oscar Wrong")
    app.text_input(key="add_client_id_0").input(CLIENT_ID)
    app.text_input(key="add_secret_0").input(CLIENT_ID)
    app.run()
    said = [shown(alert) for kind in (app.error, app.warning, app.info) for alert in kind if "exactly the same" in shown(alert)]
    assert len(said) == 1, said
    assert app.button(key="add_store").disabled


def test_add_check_and_see_status_and_matrix(app, gateway):
    gateway.add_key("production", "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "Limited-Secret_value_0123456789", scopes={"orders": "full_access", "item": "view_only"})
    app.run()
    add_store(app, "Acme", "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "Limited-Secret_value_0123456789")
    assert not app.exception
    # Saved and checked at once; the result sits next to the button in the outcome's colour, never as a green banner.
    assert any("Acme saved and checked: Keys work, but some permissions are not enabled." in shown(w) for w in app.warning)
    assert not app.success
    assert app.text_input(key="add_secret_1").value == ""  # the secret is not kept in the form
    app.button(key="check_now").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    assert table.loc[0, "Store"] == "Acme"
    assert "Missing permissions" in table.loc[0, "Status"]
    assert "item" in table.loc[0, "Missing permissions"]
    matrix = app.dataframe[1].value  # [0] is the store table
    item_row = matrix[matrix["Scope"] == "item"].iloc[0]
    assert (item_row["Granted"], item_row["Required"], bool(item_row["OK"])) == ("view only", "full access", False)
    assert bool(matrix[matrix["Scope"] == "orders"].iloc[0]["OK"])
    assert "Limited-Secret_value_0123456789" not in page_text(app)


def test_check_all_shows_every_status(app, gateway):
    app.run()
    add_store(app, "Good", CLIENT_ID, CLIENT_SECRET)
    add_store(app, "Mixed up", SANDBOX_ID, SANDBOX_SECRET)
    app.button(key="check_all").click().run()
    assert not app.exception
    statuses = dict(zip(app.dataframe[0].value["Store"], app.dataframe[0].value["Status"]))
    assert "Authorized" in statuses["Good"] and "Wrong environment" in statuses["Mixed up"]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Authorized"] == "1" and metrics["Need attention"] == "1"
    text = page_text(app)
    assert CLIENT_SECRET not in text and SANDBOX_SECRET not in text


def test_status_filter_finds_stores_never_checked(app, gateway, runtime):
    app.run()
    add_store(app, "Checked", CLIENT_ID, CLIENT_SECRET)
    app.button(key="check_now").click().run()
    with session_scope(runtime.engine) as session:  # saved without a check (the page always checks what it saves)
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Waiting", environment="sandbox", client_id=SANDBOX_ID, client_secret=SANDBOX_SECRET)
    app.run()
    assert app.metric[4].label == "Not checked yet" and app.metric[4].value == "1"
    app.multiselect(key="status_filter").set_value([HealthState.never_checked]).run()
    assert not app.exception
    assert list(app.dataframe[0].value["Store"]) == ["Waiting"]
    app.multiselect(key="status_filter").set_value([HealthState.authorized, HealthState.never_checked]).run()
    assert sorted(app.dataframe[0].value["Store"]) == ["Checked", "Waiting"]


def test_wrong_encryption_key_stops_with_the_fix(app, app_env, monkeypatch, tmp_path):
    app.run()
    add_store(app, "Acme", CLIENT_ID, CLIENT_SECRET)
    (tmp_path / "secret.key").rename(tmp_path / "moved.key")  # the key file is lost
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    again = AppTest.from_file("../../app.py", default_timeout=30).run()
    assert not again.exception
    assert "cannot be read" in again.error[0].value
    assert "backup" in again.info[0].value


def test_edit_made_meanwhile_by_someone_else_is_not_overwritten(app, runtime):
    app.run()
    add_store(app, "Acme", CLIENT_ID, CLIENT_SECRET)

    with session_scope(runtime.engine) as session:  # a colleague renames the store
        stores.edit_store(session, "Acme", actor=ADMIN, notes="changed by a colleague")
    app.text_area[0].input("my stale notes")
    app.form_submit_button[0].click().run()
    assert not app.exception
    assert any("Someone changed the store" in e.value for e in app.error)
    with session_scope(runtime.engine) as session:
        assert stores.get_store(session, "Acme").notes == "changed by a colleague"
    app.text_area[0].input("my notes, after reloading")
    app.form_submit_button[0].click().run()
    with session_scope(runtime.engine) as session:
        assert stores.get_store(session, "Acme").notes == "my notes, after reloading"


def test_a_store_saved_with_the_wrong_market_is_corrected_on_its_page(app, runtime, gateway):
    ca_id, ca_secret = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "CanadaSecretValue_1234567890abcdef"
    gateway.add_key("production", ca_id, ca_secret, market="ca")
    app.run()
    add_store(app, "Maple", ca_id, ca_secret)  # saved as US by mistake
    assert "Rejected" in app.dataframe[0].value.loc[0, "Status"]
    app.selectbox(key="edit_market_1").set_value("ca")
    app.form_submit_button[0].click().run()
    assert not app.exception
    with session_scope(runtime.engine) as session:
        assert stores.get_store(session, "Maple").market == "ca"
    app.button(key="check_now").click().run()
    assert "Authorized" in app.dataframe[0].value.loc[0, "Status"]


def test_the_store_page_gives_the_checks_own_next_step_and_the_market_first_outside_the_us(app, runtime, gateway):
    from core.authorization.outcome import MARKET_HINT, US_MARKET_HINT

    ca_id, ca_secret = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "CanadaSecretValue_1234567890abcdef"
    gateway.add_key("production", ca_id, ca_secret, market="ca")
    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Maple", environment="production", client_id=ca_id, client_secret=ca_secret)
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Mexico", environment="production", market="mx",
                         client_id=CLIENT_ID, client_secret=CLIENT_SECRET)  # US keys saved as Mexico
    app.run()
    app.selectbox(key="detail_store").set_value(1).run()
    app.button(key="check_now").click().run()
    assert any(info.value == US_MARKET_HINT for info in app.info), [info.value for info in app.info]  # what this check found
    app.selectbox(key="detail_store").set_value(2).run()
    app.button(key="check_now").click().run()
    app.session_state["checked_now"] = None  # a later visit: the page has only the stored health
    app.run()
    assert any(info.value == MARKET_HINT for info in app.info), [info.value for info in app.info]


def test_replace_secret_and_disable_from_the_page(app, runtime, gateway):
    app.run()
    add_store(app, "Acme", CLIENT_ID, "Old-secret-value-1234567890abcdef")
    app.button(key="check_now").click().run()
    assert "Rejected" in app.dataframe[0].value.loc[0, "Status"]
    app.text_input(key="new_secret_1_1").input(CLIENT_SECRET).run()
    app.button(key="save_secret").click().run()
    assert "Acme saved and checked: Authorized." in app.success[0].value
    app.button(key="check_now").click().run()
    assert "Authorized" in app.dataframe[0].value.loc[0, "Status"]
    assert CLIENT_SECRET not in page_text(app)
    app.button(key="toggle").click().run()
    assert app.dataframe[0].value.loc[0, "Status"] == "Disabled"  # its last check's Authorized is no news: it is not checked
    assert any("Store disabled" in shown(s) for s in app.success)  # beside the button, not at the top of the page
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Disabled"], metrics["Authorized"], metrics["Not checked yet"]) == ("1", "0", "0")


def test_save_and_check_shows_a_failed_check_in_red_next_to_the_button(app, gateway):
    app.run()
    add_store(app, "Mixed up", SANDBOX_ID, SANDBOX_SECRET)  # sandbox keys saved as production
    assert not app.exception
    [result] = app.error
    assert "Mixed up saved and checked: The keys belong to the other environment." in result.value and "Next step" in result.value
    assert not app.success  # never green, never a check-mark banner at the top
    assert "Wrong environment" in app.dataframe[0].value.loc[0, "Status"]  # saved, and its check recorded
    app.button(key="check_now").click().run()
    assert any("Mixed up: The keys belong to the other environment." in e.value for e in app.error)  # Check now: red too
    assert not app.success


def test_a_likely_duplicate_is_named_and_needs_a_confirm(app, gateway, runtime):
    app.run()
    add_store(app, "Acme Outdoor", CLIENT_ID, CLIENT_SECRET)
    version = app.session_state["form_version"]
    app.text_input(key=f"add_name_{version}").input("acme  outdoor")
    app.text_input(key=f"add_client_id_{version}").input(CLIENT_ID)
    app.text_input(key=f"add_secret_{version}").input(CLIENT_SECRET).run()
    warnings = " ".join(w.value for w in app.warning).replace("\\", "")  # outside text is shown escaped
    assert "looks the same as the existing store 'Acme Outdoor'" in warnings and "already saved on the store 'Acme Outdoor'" in warnings
    assert app.button(key="add_store").disabled
    app.checkbox(key=f"add_anyway_{version}").check().run()
    app.button(key="add_store").click().run()
    assert not app.exception
    with session_scope(runtime.engine) as session:
        assert sorted(view.name for view in stores.list_stores(session)) == ["Acme Outdoor", "acme outdoor"]


def two_stores(runtime):
    with session_scope(runtime.engine) as session:
        acme = stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production", client_id=CLIENT_ID,
                                client_secret=CLIENT_SECRET)
        bright = stores.add_store(session, runtime.vault, actor=ADMIN, name="Bright Kitchen", environment="sandbox", client_id=SANDBOX_ID,
                                  client_secret=SANDBOX_SECRET)
    return acme.id, bright.id


def test_a_link_opens_its_store_and_picking_a_store_changes_the_address(app, runtime):
    acme, bright = two_stores(runtime)
    app.query_params["store"] = "Bright Kitchen"
    app.run()
    assert app.selectbox(key="detail_store").value == bright
    assert app.query_params["store"] == "Bright Kitchen"
    app.selectbox(key="detail_store").set_value(acme).run()
    assert app.query_params["store"] == "Acme"  # the address follows the store shown
    link = next(code.value for code in app.code if "store=" in code.value)
    assert link.endswith("/?store=Acme")  # Copy link: the same view for a colleague


def test_filters_are_in_the_address_too(app, runtime):
    two_stores(runtime)
    app.query_params["q"] = "kitchen"
    app.query_params["env"] = "sandbox"
    app.query_params["status"] = "never_checked,nonsense"
    app.run()
    assert list(app.dataframe[0].value["Store"]) == ["Bright Kitchen"]
    assert app.multiselect(key="status_filter").value == [HealthState.never_checked]
    assert (app.query_params["q"], app.query_params["env"], app.query_params["status"]) == ("kitchen", "sandbox", "never_checked")


def test_a_link_to_a_store_that_is_gone_says_so(app, runtime):
    two_stores(runtime)
    app.query_params["store"] = "Renamed Store"
    app.run()
    assert any("There is no store called 'Renamed Store'" in shown(w) for w in app.warning)
    assert app.selectbox(key="detail_store").value is not None


def test_the_key_backup_note_is_for_admins_and_goes_once_confirmed(app, runtime):
    app.run()
    assert any("Back it up" in shown(w) for w in app.warning)
    assert "Database" not in page_text(app) and "secret.key" not in " ".join(shown(c) for c in app.sidebar.caption)  # no paths for everyone
    app.button(key="confirm_key_backup").click().run()
    assert not any("Back it up" in shown(w) for w in app.warning)
    assert any("will not be shown again" in shown(s) for s in app.success)
    app.run()
    assert not any("Back it up" in shown(w) for w in app.warning)
    app.switch_page("pages/system.py").run()
    assert "local operator confirmed" in page_text(app) and "secret.key" in page_text(app)


def test_the_demo_shows_its_spare_keys_beside_add_a_store(app, monkeypatch):
    import json

    spares = [{"outcome": "authorized", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}]
    monkeypatch.setenv("STORE_CONNECT_DEMO_KEYS", json.dumps(spares))
    app.run()
    table = next(frame.value for frame in app.dataframe if "Client Secret" in frame.value.columns)
    assert (table.loc[0, "Outcome"], table.loc[0, "Client ID"]) == ("Authorized", CLIENT_ID)


def test_outside_the_demo_no_keys_are_shown(app, monkeypatch):
    monkeypatch.delenv("STORE_CONNECT_DEMO_KEYS", raising=False)
    app.run()
    assert "Demo: spare keys to try" not in [e.label for e in app.expander]
