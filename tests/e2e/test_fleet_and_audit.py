"""A person reads the fleet (each status in its own colour, one day of history as a bar) and looks up who changed a store."""
import uuid

from playwright.sync_api import expect

from core.authorization import check as authorization
from core.db.engine import session_scope
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET, person
from tests.e2e.conftest import open_page, screenshot


def test_read_the_fleet_then_the_audit_trail_of_one_store(page, server, server_runtime):
    tag = uuid.uuid4().hex[:6].upper()
    keys = {f"Harbor {tag}": (CLIENT_ID, CLIENT_SECRET), f"Mixed-up {tag}": (SANDBOX_ID, SANDBOX_SECRET)}
    made = []
    try:
        with session_scope(server_runtime.engine) as session:
            for name, (client_id, secret) in keys.items():
                made.append(stores.add_store(session, server_runtime.vault, actor=person("ann@example.com"), name=name,
                                             environment="production", client_id=client_id, client_secret=secret, allow_duplicate=True))
            stores.edit_store(session, made[0].id, actor=person("bob@example.com"), notes="Seller prefers email")
        for store in made:
            authorization.check_store(server_runtime, store.id)

        open_page(page, server, "fleet?days=7")
        expect(page.get_by_role("heading", name="Stores by status, per day")).to_be_visible()
        chart = page.get_by_test_id("stVegaLiteChart")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["height"] > 150
        legend = page.locator(".status-legend")
        expect(legend).to_contain_text("Authorized")
        expect(legend).to_contain_text("Wrong environment")
        expect(page.get_by_text("30 days")).to_be_visible()
        screenshot(page, "15-fleet-health")

        open_page(page, server, f"audit?store={tag.lower()}")  # any part of the name, any letter case
        table = page.get_by_test_id("stDataFrame")
        expect(table).to_contain_text("Store edited")
        expect(table).to_contain_text("notes: — → Seller prefers email")
        expect(table).not_to_contain_text("store.edit")  # must NOT show codes
        screenshot(page, "16-audit-trail")
    finally:
        with session_scope(server_runtime.engine) as session:
            for store in made:
                stores.delete_store(session, store.id, actor=ADMIN)
