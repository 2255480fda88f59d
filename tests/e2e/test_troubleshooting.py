"""A person searches the FAQ from a shared link, then diagnoses pasted sandbox keys."""
from playwright.sync_api import expect

from tests.conftest import SANDBOX_ID, SANDBOX_SECRET
from tests.e2e.conftest import open_page, screenshot, wait_for_app


def test_search_the_faq_then_run_a_diagnosis(page, server):
    open_page(page, server, "troubleshooting?q=sandbx+keys")  # a typo, as people type
    expect(page.locator(".st-key-q input")).to_have_value("sandbx keys")
    expect(page.get_by_text("answers, best match first")).to_be_visible()
    expect(page.get_by_test_id("stExpander").first).to_contain_text("sandbox", ignore_case=True)
    screenshot(page, "04-faq-search")

    page.get_by_role("tab", name="Diagnose keys").click()
    form = page.get_by_test_id("stForm")
    form.get_by_label("Client ID").fill(SANDBOX_ID)
    form.get_by_label("Client Secret").fill(SANDBOX_SECRET)
    form.get_by_text("Production", exact=True).click()
    form.get_by_role("button", name="Run diagnosis").click()
    wait_for_app(page)
    expect(page.get_by_text("Wrong environment").first).to_be_visible()
    expect(page.get_by_text("Walmart sandbox accepted these keys")).to_be_visible()
    assert SANDBOX_SECRET not in page.content()
    screenshot(page, "05-diagnosis")


def test_a_shared_faq_link_opened_first_on_a_fresh_server_keeps_its_search(page, fresh_server):
    # The first request of a fresh server runs the page before the router; it is sent through
    # the router and back, and the link's search must come along.
    open_page(page, fresh_server, "troubleshooting?q=sandbx+keys")
    expect(page.get_by_role("heading", name="Troubleshooting")).to_be_visible()
    expect(page.locator(".st-key-q input")).to_have_value("sandbx keys")
    expect(page.get_by_text("answers, best match first")).to_be_visible()
    assert "q=sandbx" in page.url
