"""Every paged list keeps its page in the address: a link with `page=N` opens page N, turning the page writes it
(the first page is left out), and a page past the end (an old link) shows the last page."""
from __future__ import annotations

import pytest

from core import audit, catalog
from core.db.engine import session_scope
from core.db.models import Store
from core.mapping.imports import apply_plan, plan_import
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import csv_bytes
from tests.pages.conftest import page_address, page_text

APP_ID = "9c8b7a65-4321-4fed-8cba-0987654321ab"


def open_with(app, script: str, **params: str):
    app.run()
    app.query_params.clear()
    for name, value in params.items():
        app.query_params[name] = value
    app.switch_page(script).run()
    assert not app.exception, app.exception
    return app


def test_audit_trail(app, runtime):
    with session_scope(runtime.engine) as session:
        for number in range(120):
            audit.append(session, ADMIN, "catalog.add", subject=f"SKU-{number:03}", after={"system_sku": f"SKU-{number:03}"})
    open_with(app, "pages/audit.py", page="3")
    assert list(app.dataframe[0].value["Item"]) == [f"SKU-{n:03}" for n in range(19, -1, -1)]  # newest first: the oldest 20
    assert app.pagination(key="audit_page").value == 3 and page_address(app) == {"page": "3"}
    app.pagination(key="audit_page").set_value(2).run()
    assert page_address(app) == {"page": "2"} and app.dataframe[0].value["Item"].iloc[0] == "SKU-069"
    app.pagination(key="audit_page").set_value(1).run()
    assert page_address(app) == {}
    open_with(app, "pages/audit.py", page="9", action="catalog.add")
    assert "page 3 of 3" in page_text(app) and app.dataframe[0].value["Item"].iloc[-1] == "SKU-000"


def test_catalog(app, runtime):
    with session_scope(runtime.engine) as session:
        rows = [[f"SKU-{n:03}", f"Product {n}"] for n in range(120)]
        catalog.import_catalog(session, csv_bytes(rows, header=["System SKU", "Product name"]), "products.csv", actor=ADMIN)
    open_with(app, "pages/catalog.py", page="2", q="sku")
    assert app.dataframe[0].value["System SKU"].iloc[0] == "SKU-050" and app.text_input(key="catalog_search").value == "sku"
    app.pagination(key="catalog_page").set_value(3).run()
    assert page_address(app) == {"q": "sku", "page": "3"}
    open_with(app, "pages/catalog.py", page="40")
    assert list(app.dataframe[0].value["System SKU"]) == [f"SKU-{n:03}" for n in range(100, 120)]


def test_store_authorization(app, runtime):
    with session_scope(runtime.engine) as session:
        session.add_all([Store(name=f"Outlet {number:03d}") for number in range(120)])
    open_with(app, "pages/stores.py", page="3")
    assert app.pagination(key="store_page").value == 3 and "Outlet 100" in page_text(app) and "Outlet 099" not in page_text(app)
    app.pagination(key="store_page").set_value(2).run()
    assert page_address(app)["page"] == "2"
    app.text_input(key="store_search").input("outlet 11").run()  # a search names fewer pages: back to the first
    assert "Outlet 110" in page_text(app) and page_address(app)["q"] == "outlet 11" and "page" not in page_address(app)


def test_connect_with_walmart(app, app_env, monkeypatch):
    monkeypatch.setenv("WALMART_OAUTH_CLIENT_ID", APP_ID)
    from core.config import load_settings
    from core.runtime import open_runtime

    oauth_runtime = open_runtime(load_settings({**app_env, "WALMART_OAUTH_CLIENT_ID": APP_ID}, env_file=None))
    with session_scope(oauth_runtime.engine) as session:
        session.add_all([Store(name=f"Outlet {number:03d}") for number in range(45)])
    oauth_runtime.engine.dispose()
    open_with(app, "pages/connect.py", page="3")
    assert "page 3 of 3" in page_text(app) and "Outlet 044" in page_text(app) and "Outlet 039" not in page_text(app)
    app.pagination(key="connect_page").set_value(2).run()
    assert page_address(app) == {"page": "2"} and "Outlet 020" in page_text(app)


@pytest.fixture
def many_mappings(runtime):
    with session_scope(runtime.engine) as session:
        session.add(Store(name="Acme"))  # the page manages mappings once there is a store
        catalog.import_catalog(session, csv_bytes([["MUG", "Mug"]], header=["System SKU", "Product name"]), "c.csv", actor=ADMIN)
        plan = plan_import(session, 0, csv_bytes([[f"WM-{n:03}", "MUG", "1"] for n in range(120)]), "m.csv", mode="merge")
        apply_plan(session, plan, actor=ADMIN)


def test_mapping_grid(app, runtime, many_mappings):
    open_with(app, "pages/mapping.py", store="all", page="3")
    assert app.pagination(key="mapping_page").value == 3
    assert "WM-100" in set(app.data_editor[0].value["platform_sku"]) and "WM-099" not in set(app.data_editor[0].value["platform_sku"])
    app.pagination(key="mapping_page").set_value(2).run()
    assert page_address(app)["page"] == "2" and "WM-050" in set(app.data_editor[0].value["platform_sku"])


def test_fleet_health_changes_are_paged_and_searched(app, runtime):
    """Status changes: one page of 50 and a count from the database, searched by store (any part, any letter case)."""
    from datetime import timedelta

    from core.db.models import StatusEvent, saved_id, utc_now

    with session_scope(runtime.engine) as session:
        acme, bright = Store(name="Acme Outdoor"), Store(name="Bright Kitchen")
        session.add_all([acme, bright])
        session.flush()
        start = utc_now() - timedelta(days=2)
        for number in range(60):
            for store in (acme, bright):
                lost = number % 2 == 0
                session.add(StatusEvent(store_id=saved_id(store), at=start + timedelta(minutes=number), kind="lost_authorization" if lost else "recovered",
                                        from_status="authorized" if lost else "rejected", to_status="rejected" if lost else "authorized",
                                        detail="", delivery="off"))
    open_with(app, "pages/fleet.py")
    changes = app.dataframe[-1].value
    assert len(changes) == 50 and app.pagination(key="fleet_page").num_pages == 3
    assert "120 changes match; page 1 of 3, newest first." in page_text(app)
    app.text_input(key="fleet_search").input("KITCHEN").run()
    assert set(app.dataframe[-1].value["Store"]) == {"Bright Kitchen"} and "60 changes match; page 1 of 2" in page_text(app)
    app.pagination(key="fleet_page").set_value(2).run()
    assert len(app.dataframe[-1].value) == 10 and page_address(app) == {"days": "30", "q": "KITCHEN", "page": "2"}
    open_with(app, "pages/fleet.py", q="acme", page="3")  # past the end: the last page
    assert set(app.dataframe[-1].value["Store"]) == {"Acme Outdoor"} and "page 2 of 2" in page_text(app)
    app.text_input(key="fleet_search").input("nobody").run()
    assert "No changes match." in page_text(app)


def test_the_mapping_counts_kept_between_reruns_follow_every_change(app, runtime, many_mappings):
    """The page keeps its counts while the mappings stand still; a change made elsewhere (here straight through
    core, as the command line would) moves the versions, and the next rerun counts again."""
    open_with(app, "pages/mapping.py", store="all")
    mapped = next(metric for metric in app.metric if metric.label == "Mapped platform SKUs")
    assert mapped.value == "120" and "120 mappings; page 1 of 3" in page_text(app)
    with session_scope(runtime.engine) as session:
        plan = plan_import(session, 0, csv_bytes([[f"WM-{n:03}", "MUG", "1"] for n in range(120, 180)]), "more.csv", mode="merge")
        apply_plan(session, plan, actor=ADMIN)
    app.run()
    mapped = next(metric for metric in app.metric if metric.label == "Mapped platform SKUs")
    assert mapped.value == "180"
    app.text_input(key="mapping_search").input("wm-17").run()  # the grid keeps its rows until asked for others
    assert "10 mappings match; page 1 of 1" in page_text(app)
