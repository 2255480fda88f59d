"""The dashboard survives a hostile upload: the sparse-corner workbook is refused on both import pages, and the app goes on.

Before the guards, calamine asked for 512 GB for this 1.6 KB file and the Rust abort ended the
process running the app (the Streamlit server; here, the test process itself).
"""
import pytest

from core import catalog
from core.db.engine import session_scope
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import csv_bytes, database_snapshot
from tests.fixtures.spreadsheets.hostile import shared_strings, sparse_corner, workbook
from tests.pages.test_mapping_page import PRODUCTS, add_store

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = {
    "corner.xlsx": (sparse_corner(), "reaches cell XFD1048576"),
    "strings.xlsx": (workbook(strings=shared_strings(unique_count=4_000_000_000)), "4,000,000,000 different texts"),
}


@pytest.fixture
def store(runtime):
    with session_scope(runtime.engine) as session:
        catalog.import_catalog(session, csv_bytes(PRODUCTS, header=["System SKU", "Product name"]), "products.csv", actor=ADMIN)
    return add_store(runtime)


def refusals(app) -> str:
    return " ".join(element.value for element in app.error).replace("\\", "")  # plain() escapes punctuation


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_workbook_is_refused_on_both_import_pages_and_another_page_loads(app, runtime, store, name):
    data, phrase = HOSTILE[name]
    before = database_snapshot(runtime.engine)
    app.run()

    app.switch_page("pages/mapping.py").run()
    app.file_uploader(key="mapping_file_0").set_value((name, data, XLSX)).run()
    assert not app.exception, app.exception
    assert "The file was not imported" in refusals(app) and phrase in refusals(app)

    app.switch_page("pages/catalog.py").run()
    app.file_uploader(key="catalog_file_0").set_value((name, data, XLSX)).run()
    assert not app.exception, app.exception
    assert "The file was not imported" in refusals(app) and phrase in refusals(app)
    assert any("Ctrl+End" in info.value.replace("\\", "") or "CSV" in info.value for info in app.info)

    app.switch_page("pages/troubleshooting.py").run()  # the process that runs the app is alive and serves the next page
    assert not app.exception and app.title[0].value == "Troubleshooting"
    assert database_snapshot(runtime.engine) == before
