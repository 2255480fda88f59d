"""Outside text on the router's sidebar, Fleet health, Audit trail and Product mapping pages shows as text, never
as Markdown (tests/pages/hostile.py seeds it and looks at every Markdown element)."""
import pytest
from sqlalchemy import delete

from core.db.models import Credential
from tests.pages.hostile import (
    ACTOR,
    FILE_NAME,
    GATEWAY_TEXT,
    PLATFORM_SKU,
    PRODUCT_NAME,
    STORE_NAME,
    SYSTEM_SKU,
    assert_no_markdown_from_outside,
    seed_hostile,
    shown_as_text,
)
from tests.pages.test_roles_page import AUTH


@pytest.fixture
def hostile_app(app, runtime, gateway, monkeypatch):
    """Signed in (OIDC) as a user whose email claim is hostile, with the hostile data saved."""
    from tests.conftest import CLIENT_ID

    seeded = seed_hostile(runtime)
    gateway.set_items("production", CLIENT_ID, [{"sku": PLATFORM_SKU, "productName": PRODUCT_NAME},
                                                {"sku": GATEWAY_TEXT, "productName": GATEWAY_TEXT}])
    monkeypatch.setenv("DEFAULT_ROLE", "admin")
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "email": f"{ACTOR}@x.com"}
    app.run()
    app.seeded = seeded
    return app


def _open(app, page):
    app.switch_page(page).run()
    return assert_no_markdown_from_outside(app)


def test_the_router_names_the_user_as_text(hostile_app):
    texts = assert_no_markdown_from_outside(hostile_app, hostile_app.sidebar)  # app.py's own part of the first page
    assert shown_as_text(f"{ACTOR}@x.com", texts)


def test_a_user_without_a_role_is_named_as_text(app):
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "email": f"{ACTOR}@x.com"}
    app.run()
    texts = assert_no_markdown_from_outside(app)
    assert any("no role is given to you" in text and shown_as_text(f"{ACTOR}@x.com", [text]) for text in texts)


def test_fleet_health(hostile_app):
    _open(hostile_app, "pages/fleet.py")


def test_audit_trail(hostile_app):
    _open(hostile_app, "pages/audit.py")
    trail = hostile_app.dataframe[0].value  # literal in the table
    assert STORE_NAME in set(trail["Store"]) and FILE_NAME in set(trail["Item"])


def test_product_mapping_every_tab(hostile_app):
    app = hostile_app
    app.switch_page("pages/mapping.py").run()
    app.selectbox(key="mapping_store").set_value(app.seeded.plain_store_id).run()
    texts = assert_no_markdown_from_outside(app)
    app.selectbox(key="mapping_clone_source").set_value(app.seeded.store_id).run()
    app.button(key="mapping_clone_preview_button").click().run()
    texts = assert_no_markdown_from_outside(app)
    assert shown_as_text("Plain store", texts)
    app.selectbox(key="mapping_store").set_value(app.seeded.store_id).run()
    texts = assert_no_markdown_from_outside(app)
    assert any(shown_as_text(STORE_NAME, [text]) for text in texts if "Copy mappings" in text)  # the store it copies into
    app.button(key="mapping_listings_read").click().run()
    assert_no_markdown_from_outside(app)


def test_messages_from_core_and_results_beside_actions(hostile_app):
    """An action's result and a refusal quote outside text: both show it as text."""
    from ui.actions import Result

    app = hostile_app
    app.session_state["action_results"] = {"mapping_import": Result("success", f"Imported '{FILE_NAME}': {STORE_NAME}", GATEWAY_TEXT)}
    texts = _open(app, "pages/mapping.py")
    assert shown_as_text(FILE_NAME, texts)
    app.text_input(key="mapping_clone_filter").input(GATEWAY_TEXT).run()
    app.button(key="mapping_clone_preview_button").click().run()
    texts = assert_no_markdown_from_outside(app)
    assert shown_as_text(GATEWAY_TEXT, texts)  # "... has no mappings with a SKU containing '...' to copy."


def test_walmart_error_text_on_the_unmapped_listings_tab(hostile_app, gateway):
    app = hostile_app
    app.switch_page("pages/mapping.py").run()
    app.selectbox(key="mapping_store").set_value(app.seeded.store_id).run()
    gateway.queue_response("production", "/v3/items", 400, body={"errors": [{"code": "INVALID_REQUEST", "description": GATEWAY_TEXT}]}, times=5)
    app.button(key="mapping_listings_read").click().run()
    texts = assert_no_markdown_from_outside(app)
    assert any("listings could not be read" in text and shown_as_text(GATEWAY_TEXT, [text]) for text in texts)


def test_store_authorization_with_the_hostile_store_open_and_checked(hostile_app):
    app = hostile_app
    app.switch_page("pages/stores.py").run()
    app.selectbox(key="detail_store").set_value(app.seeded.store_id).run()
    texts = assert_no_markdown_from_outside(app)
    assert shown_as_text(STORE_NAME, texts)
    app.button(key="check_now").click().run()  # the outcome names the store beside the button
    assert_no_markdown_from_outside(app)


def test_connect_with_walmart(hostile_app):
    texts = _open(hostile_app, "pages/connect.py")
    assert shown_as_text(STORE_NAME, texts)  # a US store on delegated keys: listed to be connected


def test_product_catalog(hostile_app):
    _open(hostile_app, "pages/catalog.py")


def _diagnose_hostile_store(app):
    app.switch_page("pages/troubleshooting.py").run()
    source = app.radio(key="diagnose_source")
    source.set_value(source.options[1]).run()  # a saved store
    app.selectbox(key="diagnose_store").set_value(app.seeded.store_id).run()
    next(button for button in app.button if button.label == "Diagnose this store").click().run()
    return assert_no_markdown_from_outside(app)


def test_troubleshooting_diagnosis_of_the_hostile_store(hostile_app):
    """The diagnosis names the saved store it looked at: once as Markdown, in bold."""
    texts = _diagnose_hostile_store(hostile_app)
    assert any("Diagnosis of the saved store" in text and shown_as_text(STORE_NAME, [text]) for text in texts)


def test_troubleshooting_refusal_naming_the_hostile_store(hostile_app, runtime):
    """A store with no keys saved cannot be diagnosed; the refusal quotes its name."""
    with runtime.transaction() as session:
        session.exec(delete(Credential).where(Credential.store_id == hostile_app.seeded.store_id))
    texts = _diagnose_hostile_store(hostile_app)
    assert any("has no keys saved" in text and shown_as_text(STORE_NAME, [text]) for text in texts)


def test_the_callback_shows_walmarts_error_text_as_text(hostile_app):
    """Issue 14 item 11: /walmart_callback?error_description=[Sign in again](https://evil.example) ![t](...)."""
    app = hostile_app
    app.query_params["error"] = "access_denied"
    app.query_params["error_description"] = GATEWAY_TEXT
    texts = _open(app, "pages/walmart_callback.py")
    assert any(shown_as_text(GATEWAY_TEXT, [text]) for text in texts)


def test_store_authorization_with_a_hostile_store_linked(hostile_app):
    app = hostile_app
    texts = assert_no_markdown_from_outside(app)
    app.query_params.clear()
    app.query_params["store"] = STORE_NAME  # a link naming the hostile store
    app.run()
    texts = assert_no_markdown_from_outside(app)
    assert app.selectbox(key="detail_store").value == app.seeded.store_id
    assert any(shown_as_text(STORE_NAME, [text]) for text in texts if "Yes, delete" in text)
    app.query_params["store"] = GATEWAY_TEXT  # a link naming no store: the warning quotes it as text
    app.run()
    texts = assert_no_markdown_from_outside(app)
    assert any(shown_as_text(GATEWAY_TEXT, [text]) for text in texts if "There is no store called" in text)


def test_product_catalog_with_its_edit_form(hostile_app):
    app = hostile_app
    app.query_params.clear()
    app.query_params["q"] = SYSTEM_SKU
    app.switch_page("pages/catalog.py").run()
    assert_no_markdown_from_outside(app)
    assert app.selectbox(key="edit_product_sku").value == SYSTEM_SKU
    assert app.text_input(key="edit_product_0_name").value == PRODUCT_NAME


def test_audit_trail_filtered_by_a_hostile_person(hostile_app):
    app = hostile_app
    app.query_params.clear()
    app.query_params["actor"] = f"{ACTOR}@x.com"
    app.switch_page("pages/audit.py").run()
    assert_no_markdown_from_outside(app)


def test_system_page_and_the_guide(hostile_app):
    _open(hostile_app, "pages/system.py")
    _open(hostile_app, "pages/guide.py")


def test_product_mapping_unsaved_edits_picker_and_push(hostile_app):
    """The grid's unsaved-edit bar names other levels, the picker quotes what was typed, the push names its stores: as text."""
    app = hostile_app
    app.switch_page("pages/mapping.py").run()
    app.selectbox(key="mapping_store").set_value(app.seeded.store_id).run()
    key = app.session_state["mapping_editor_key"]
    app.session_state[key] = {"edited_rows": {0: {"system_sku": GATEWAY_TEXT}}, "added_rows": [], "deleted_rows": []}
    app.run()
    texts = assert_no_markdown_from_outside(app)
    assert any(shown_as_text(GATEWAY_TEXT, [text]) for text in texts if "Suggestions for" in text)
    app.button(key="mapping_save").click().run()  # refused: the row's problem quotes the SKU, in the grid
    assert_no_markdown_from_outside(app)
    app.selectbox(key="mapping_store").set_value(app.seeded.plain_store_id).run()
    texts = assert_no_markdown_from_outside(app)
    assert any(shown_as_text(STORE_NAME, [text]) for text in texts if "1 change" in text)  # the way back to the hostile store's edit
    app.selectbox(key="mapping_store").set_value(app.seeded.store_id).run()
    app.radio(key="mapping_clone_direction").set_value("push").run()
    app.multiselect(key="mapping_push_targets").set_value([app.seeded.plain_store_id]).run()
    app.button(key="mapping_push_preview_button").click().run()
    texts = assert_no_markdown_from_outside(app)
    assert shown_as_text(STORE_NAME, texts) and any("Plain store" in text for text in texts)
