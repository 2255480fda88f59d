"""The Audit trail page: action names in words, before and after as a difference, filters by store (any part, any
letter case), person and action, pages, and its address."""
from core import audit
from core.db.engine import session_scope
from core.stores import registry as stores
from tests.conftest import CLIENT_ID, CLIENT_SECRET, person
from tests.pages.conftest import page_address, page_text

ANN, BOB = person("ann@x.com"), person("bob@x.com")


def seed(runtime, extra=0):
    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ANN, name="Bright Kitchen", environment="production", client_id=CLIENT_ID,
                         client_secret=CLIENT_SECRET)
        stores.edit_store(session, "Bright Kitchen", actor=BOB, notes="Call the seller first")
        stores.set_enabled(session, "Bright Kitchen", False, actor=ANN)
        audit.append(session, BOB, "mapping.update", store_name="Acme Outdoor", subject="WM-1",
                     before=[{"system_sku": "MUG", "quantity": 1}], after=[{"system_sku": "MUG", "quantity": 2}, {"system_sku": "TEA", "quantity": 1}])
        for number in range(extra):
            audit.append(session, ANN, "catalog.add", subject=f"SKU-{number}", after={"system_sku": f"SKU-{number}", "name": "x"})


def open_audit(app):
    app.run()
    app.query_params.clear()  # as a browser does on another page (AppTest keeps the store page's ?store=)
    app.switch_page("pages/audit.py").run()
    assert not app.exception, app.exception
    return app.dataframe[0].value


def test_actions_in_words_and_changes_as_a_difference(app, runtime):
    seed(runtime)
    trail = open_audit(app)
    assert list(trail["What"]) == ["Mapping changed", "Store disabled", "Store edited", "Store added"]
    changes = dict(zip(trail["What"], trail["Changes (before → after)"]))
    assert changes["Mapping changed"] == "MUG*1 → MUG*2+TEA*1"
    assert changes["Store disabled"] == "enabled: yes → no"
    assert changes["Store edited"] == "notes: — → Call the seller first"
    assert changes["Store added"].startswith("name: Bright Kitchen; environment: production") and CLIENT_SECRET not in trail.to_string()
    assert "{" not in trail.to_string()  # no raw dicts


def test_filters_by_store_part_person_and_action(app, runtime):
    seed(runtime)
    open_audit(app)
    app.text_input(key="audit_store").input("kitchen").run()  # any part, any letter case
    assert set(app.dataframe[0].value["Store"]) == {"Bright Kitchen"}
    app.selectbox(key="audit_actor").set_value("bob@x.com").run()
    assert list(app.dataframe[0].value["What"]) == ["Store edited"]
    app.selectbox(key="audit_actor").set_value("").run()
    app.selectbox(key="audit_action").set_value("store.disable").run()
    assert list(app.dataframe[0].value["What"]) == ["Store disabled"]
    assert page_address(app) == {"store": "kitchen", "action": "store.disable"}  # the address keeps the search
    assert "Every store change" in " ".join(app.selectbox(key="audit_action").options)


def test_a_shared_filter_link_opens_the_same_view(app, runtime):
    seed(runtime)
    app.run()
    app.query_params.clear()
    app.query_params["actor"] = "ann@x.com"
    app.query_params["action"] = "store."
    app.switch_page("pages/audit.py").run()
    assert list(app.dataframe[0].value["What"]) == ["Store disabled", "Store added"]
    assert app.selectbox(key="audit_actor").value == "ann@x.com"


def test_a_long_trail_is_paged(app, runtime):
    seed(runtime, extra=120)
    open_audit(app)
    assert len(app.dataframe[0].value) == 50 and app.pagination(key="audit_page").num_pages == 3
    assert "124 changes match; page 1 of 3" in page_text(app)
    app.pagination(key="audit_page").set_value(3).run()
    assert list(app.dataframe[0].value["What"])[-4:] == ["Mapping changed", "Store disabled", "Store edited", "Store added"]
