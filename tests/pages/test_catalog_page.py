"""The Product catalog page through AppTest: browse, search, pages, import preview then apply, roles."""
from core import audit, catalog
from core.db.engine import session_scope
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import barcode, csv_bytes
from tests.pages.conftest import page_address, page_text, shown
from tests.pages.test_roles_page import AUTH

HEADER = ["System SKU", "Product name", "Barcode", "Active"]


def fill(runtime, count):
    with session_scope(runtime.engine) as session:
        rows = [[f"SKU-{n:03}", f"Product {n}", barcode(f"0088{n:08}"), "yes" if n % 2 else "no"] for n in range(count)]
        catalog.import_catalog(session, csv_bytes(rows, header=HEADER), "products.csv", actor=ADMIN)


def open_page(app):
    app.run()
    app.switch_page("pages/catalog.py").run()
    assert not app.exception, app.exception
    return app


def products(runtime):
    with session_scope(runtime.engine) as session:
        return {p.system_sku: (p.name, p.active) for p in catalog.search_catalog(session, limit=1000).products}


def test_empty_catalog_says_what_to_do(app):
    open_page(app)
    assert "The catalog is empty" in app.info[0].value
    assert {"Template (CSV)", "Template (XLSX)"} <= {b.label for b in app.get("download_button")}


def test_browse_search_and_pages(app, runtime):
    fill(runtime, 120)
    open_page(app)
    table = app.dataframe[0].value
    assert len(table) == 50 and table.loc[0, "System SKU"] == "SKU-000" and not table.loc[0, "Active"]
    assert app.pagination(key="catalog_page").num_pages == 3
    app.pagination(key="catalog_page").set_value(3).run()
    assert list(app.dataframe[0].value["System SKU"]) == [f"SKU-{n:03}" for n in range(100, 120)]
    app.text_input(key="catalog_search").input("product 11").run()  # any letter case, name or SKU
    assert list(app.dataframe[0].value["System SKU"]) == ["SKU-011", *[f"SKU-{n:03}" for n in range(110, 120)]]
    app.checkbox(key="catalog_active").check().run()
    assert list(app.dataframe[0].value["System SKU"]) == ["SKU-011", *[f"SKU-{n:03}" for n in range(111, 120, 2)]]
    assert "11 of 120" not in page_text(app) and "6 of 120 products match" in page_text(app)
    assert page_address(app) == {"q": "product 11", "active": "1"}  # the address keeps the search


def test_import_preview_then_apply(app, runtime):
    fill(runtime, 2)
    open_page(app)
    data = csv_bytes([["NEW-1", "New product", "", ""], ["SKU-000", "Renamed", "", ""]], header=HEADER)
    app.file_uploader(key="catalog_file_0").set_value(("more.csv", data, "text/csv")).run()
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["To add"], metrics["To update"], metrics["Unchanged"]) == ("1", "1", "0")
    assert "NEW-1" not in products(runtime)  # the preview wrote nothing
    app.button(key="catalog_import_apply").click().run()
    assert not app.exception
    assert "Imported 'more.csv': 1 product added, 1 updated" in shown(app.success[0])
    assert products(runtime)["NEW-1"] == ("New product", True) and products(runtime)["SKU-000"] == ("Renamed", False)
    with session_scope(runtime.engine) as session:
        assert [(e.actor, e.subject) for e in audit.entries(session, action="catalog.import")][0] == ("local operator", "more.csv")


def test_a_file_with_bad_rows_is_listed_and_cannot_be_applied(app, runtime):
    open_page(app)
    data = csv_bytes([["OK-1", "Fine", "", ""], ["BAD ", "Trailing space", "", ""], ["OK-1", "Twice", "", "maybe"]], header=HEADER)
    app.file_uploader(key="catalog_file_0").set_value(("bad.csv", data, "text/csv")).run()
    errors = app.dataframe[-1].value
    assert list(errors["Row"]) == [3, 4, 4] and "also on row 2" in " ".join(errors["Problem"])
    assert "catalog_import_apply" not in [b.key for b in app.button]
    assert "catalog_error_report" in [b.key for b in app.get("download_button")]
    assert products(runtime) == {}


def test_a_viewer_browses_but_cannot_import(app, runtime, monkeypatch):
    fill(runtime, 3)
    monkeypatch.setenv("ROLE_VIEWERS", "ann@x.com")
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "email": "ann@x.com"}
    open_page(app)
    assert len(app.dataframe[0].value) == 3
    assert not app.file_uploader and "Adding, editing and importing products needs the editor role." in page_text(app)
    assert not [form for form in app.get("form")]  # no add or edit form either


def test_a_shared_search_link_opens_the_same_view(app, runtime):
    fill(runtime, 120)
    app.run()
    app.query_params["q"] = "product 11"
    app.query_params["active"] = "1"
    app.switch_page("pages/catalog.py").run()
    assert list(app.dataframe[0].value["System SKU"]) == ["SKU-011", *[f"SKU-{n:03}" for n in range(111, 120, 2)]]
    assert app.text_input(key="catalog_search").value == "product 11" and app.checkbox(key="catalog_active").value


def test_an_editor_adds_and_edits_one_product_audited(app, runtime):
    open_page(app)
    app.text_input(key="add_product_sku_0").input("HAND-1")
    app.text_input(key="add_product_0_name").input("Hand made")
    app.form_submit_button[0].click().run()
    assert not app.exception
    assert any("Product HAND-1 added." in shown(s) for s in app.success)
    assert products(runtime) == {"HAND-1": ("Hand made", True)}
    app.text_input(key="add_product_sku_1").input("HAND-1")  # taken: refused in red beside the button, nothing changes
    app.form_submit_button[0].click().run()
    assert any("already in the catalog" in shown(e) for e in app.error) and not app.success

    app.text_input(key="catalog_search").input("hand").run()
    assert app.selectbox(key="edit_product_sku").value == "HAND-1"
    app.text_input(key="edit_product_1_name").input("Hand made, blue")
    app.text_input(key="edit_product_1_barcode").input("0088123")
    app.checkbox(key="edit_product_1_active").uncheck()
    app.form_submit_button[1].click().run()
    assert any("Product HAND-1 saved." in shown(s) for s in app.success)
    assert products(runtime) == {"HAND-1": ("Hand made, blue", False)}
    with session_scope(runtime.engine) as session:
        done = [(e.action, e.actor, e.subject) for e in audit.entries(session, action="catalog.")]
    assert done == [("catalog.update", "local operator", "HAND-1"), ("catalog.add", "local operator", "HAND-1")]
