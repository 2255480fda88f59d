"""The Troubleshooting page through AppTest: FAQ search and links, live diagnosis, error decoder, no secret shown."""
import pytest
from sqlalchemy import func
from sqlmodel import Session, select
from streamlit.testing.v1.element_tree import TextArea, TextInput

from core.db.engine import session_scope
from core.db.models import AuthorizationCheck
from core.stores import registry as stores
from core.troubleshooting import decoder_table
from core.troubleshooting.faq import load_faq
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET

PAGE = "pages/troubleshooting.py"
FAQ = load_faq()


@pytest.fixture
def page(app):
    """The app from its router, on the Troubleshooting page; query params can be set before `open()`."""

    def open_page(**params):
        app.run()
        app.query_params.clear()  # the address of this page only (AppTest keeps the first page's, a browser does not)
        for name, value in params.items():
            app.query_params[name] = value
        app.switch_page(PAGE).run()
        assert not app.exception, app.exception
        return app

    app.open = open_page
    return app


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def rendered_text(at) -> str:
    """Everything the page shows: element protos, except what the user typed into input boxes."""
    parts = []
    for node in walk(at._tree):
        if isinstance(node, (TextInput, TextArea)):
            parts.append(node.label)
        elif getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
    return "\n".join(parts)


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def widget(elements, label):
    return next(element for element in elements if element.label == label)


def diagnose_pasted(at, client_id, secret, environment):
    widget(at.text_input, "Client ID").input(client_id)
    widget(at.text_input, "Client Secret").input(secret)
    widget(at.radio, "Environment").set_value(environment)
    widget(at.button, "Run diagnosis").click()
    at.run()
    assert not at.exception, at.exception


def test_search_from_the_url_tolerates_typos_and_numbers_the_steps(page):
    at = page.open(q="sandbx keys")
    assert at.text_input(key="q").value == "sandbx keys"
    entry = FAQ.get("production-vs-sandbox")
    assert at.expander[0].label == entry.question
    first = "\n".join(m.value for m in at.expander[0].markdown)
    assert f"1. {entry.steps[0]}" in first and f"2. {entry.steps[1]}" in first
    links = at.expander[0].get("page_link")
    assert links and links[0].proto.query_string == "faq=production-vs-sandbox"  # the answer can be linked


def test_typing_a_search_ranks_the_answer_first(page):
    at = page.open()
    assert len(at.expander) == len(FAQ)  # nothing typed: every answer, by topic
    at.text_input(key="q").input("permision not enabled").run()
    assert at.expander[0].label == FAQ.get("permissions-not-enabled").question
    assert len(at.expander) < len(FAQ)


def test_no_match_still_offers_every_topic(page):
    at = page.open(q="qzxv blorf")
    assert any("No answer matched" in i.value for i in at.info)
    assert len(at.expander) == len(FAQ)


def test_an_answer_opens_from_its_link(page):
    at = page.open(faq="delegated-access-retirement")
    assert at.expander[0].label == FAQ.get("delegated-access-retirement").question
    assert at.expander[0].proto.expanded and not at.expander[1].proto.expanded
    assert "April 30, 2027" in at.expander[0].markdown[0].value  # the deadline from settings
    assert len(at.expander) == len(FAQ)  # shown once, at the top


def test_pasted_sandbox_keys_with_not_sure_show_the_checklist(page, gateway):
    at = page.open()
    diagnose_pasted(at, SANDBOX_ID, SANDBOX_SECRET, "unsure")
    text = markdown(at)
    assert "✅ **Pre-checks of the pasted keys**: passed" in text
    assert "⚠️ **Token from Walmart production**: needs a look" in text
    assert "✅ **Token from Walmart sandbox**: passed" in text
    assert "✅ **Permissions compared with what the OMS needs**: passed" in text
    # Walmart's sandbox accepted them, yet they are no way to authorize a live store: a warning, never green.
    assert not at.success and at.warning[0].value.startswith("These are sandbox keys")
    assert "must not be used for a live store" in at.warning[0].value
    assert any(":orange-badge[" in m.value and "Sandbox keys: not for a live store" in m.value for m in at.markdown)
    shown = rendered_text(at)
    assert "These are sandbox keys" in shown and "Correlation IDs" in shown  # the collector sees the page
    assert SANDBOX_SECRET not in shown
    assert sorted(r.environment for r in gateway.token_requests()) == ["production", "sandbox"]


def test_the_form_keeps_what_was_entered_but_not_the_secret(page, gateway):
    at = page.open()
    diagnose_pasted(at, SANDBOX_ID, SANDBOX_SECRET, "unsure")
    assert widget(at.text_input, "Client ID").value == SANDBOX_ID
    assert widget(at.radio, "Environment").value == "unsure"  # no longer back to Production
    assert widget(at.text_input, "Client Secret").value == ""
    widget(at.text_input, "Client Secret").input(SANDBOX_SECRET)  # pasted again, the rest kept: run it again
    widget(at.button, "Run diagnosis").click()
    at.run()
    assert not at.exception and at.warning[0].value.startswith("These are sandbox keys")
    assert len(gateway.token_requests()) == 4


def test_pasted_keys_of_a_market_store_are_diagnosed_in_that_market(page, gateway):
    gateway.add_key("production", "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "CanadaSecretValue_1234567890", market="ca")
    at = page.open()
    widget(at.radio, "Market").set_value("ca")
    diagnose_pasted(at, "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "CanadaSecretValue_1234567890", "production")
    assert at.success and widget(at.radio, "Market").value == "ca"
    assert {r.header("WM_MARKET") for r in gateway.requests} == {"ca"}


def test_refused_keys_show_cause_next_step_and_faq_link(page, gateway):
    at = page.open()
    diagnose_pasted(at, CLIENT_ID, "a-wrong-secret-1234567890", "production")
    text = markdown(at)
    assert "❌ **Token from Walmart production**: failed" in text
    assert "**Likely cause:**" in text and "**Next step:**" in text
    assert "faq=keys-rejected" in [link.proto.query_string for link in at.get("page_link")]
    assert "a-wrong-secret-1234567890" not in rendered_text(at)


def test_invalid_keys_show_the_findings_and_ask_nobody(page, gateway):
    at = page.open()
    diagnose_pasted(at, CLIENT_ID, CLIENT_ID, "production")
    assert any("exactly the same" in e.value for e in at.error)
    assert "❌ **Pre-checks of the pasted keys**: failed" in markdown(at)
    assert gateway.requests == []


def test_a_saved_store_is_diagnosed_from_its_link_and_nothing_is_recorded(page, gateway, runtime):
    with session_scope(runtime.engine) as session:
        view = stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    at = page.open(store=str(view.id))
    assert at.radio(key="diagnose_source").value == "saved"
    assert at.selectbox(key="diagnose_store").value == view.id
    widget(at.button, "Diagnose this store").click()
    at.run()
    assert not at.exception
    assert "the saved store **Acme**" in "\n".join(c.value for c in at.caption)
    assert "✅ **Token detail**: passed" in markdown(at)
    shown = rendered_text(at)
    assert "Acme" in shown and CLIENT_SECRET not in shown
    with Session(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(AuthorizationCheck)).one() == 0


@pytest.mark.parametrize("wanted", ["²", "9" * 5000, "-1", "Acme"])
def test_a_store_link_with_an_odd_value_opens_the_page_on_the_first_store(page, runtime, wanted):
    """?store=² (a digit to str.isdigit, not to int) or 5,000 digits once ended the page in a traceback."""
    with session_scope(runtime.engine) as session:
        view = stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    at = page.open(store=wanted)
    assert not at.exception, at.exception
    assert at.selectbox(key="diagnose_store").value == view.id


def decode(at, text):
    at.text_area(key="error_text").input(text)
    next(button for button in at.button if button.proto.form_id == "decode").click()  # its label is in the page's language
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_decoder_explains_an_error(page):
    at = page.open()
    at.text_area(key="error_text").input('{"error":[{"code":"FORBIDDEN.GMP_GATEWAY_API","field":"FORBIDDEN"}]} HTTP 403').run()
    assert "The key lacks a permission" not in [s.value for s in at.subheader]  # nothing is decoded before Decode is pressed
    decode(at, '{"error":[{"code":"FORBIDDEN.GMP_GATEWAY_API","field":"FORBIDDEN"}]} HTTP 403')
    assert "The key lacks a permission" in [s.value for s in at.subheader]
    text = markdown(at)
    assert "**Likely causes, most likely first**" in text and "1. The seller did not enable" in text
    assert FAQ.get("permissions-not-enabled").question in [e.label for e in at.expander]


def test_a_broken_decoder_file_is_named_on_the_page(page, tmp_path, monkeypatch):
    broken = tmp_path / "decoder.toml"
    broken.write_text(decoder_table.DECODER_PATH.read_text(encoding="utf-8").replace('id = "forbidden"\n', 'id = "forbidden"\nstep = []\n'), encoding="utf-8")
    monkeypatch.setattr(decoder_table, "DECODER_PATH", broken)
    at = decode(page.open(), "403 FORBIDDEN.GMP_GATEWAY_API")
    assert any(str(broken) in e.value and "'forbidden'" in e.value and "unknown field" in e.value for e in at.error)
    assert "The key lacks a permission" not in [s.value for s in at.subheader]


def test_the_decoder_never_leaves_unknown_text_without_answers(page):
    at = decode(page.open(), "qzxv blorp 9k!!")
    assert "This error is not one we recognise" in [s.value for s in at.subheader]
    assert "**Closest answers in the FAQ**" in markdown(at)


EXCERPT = """2026-12-01 10:00:01,001 INFO walmart.sync: starting order sync
requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://marketplace.walmartapis.com/v3/token
2026-12-01 10:06:00,000 WARNING walmart.client: HTTPError: 429 Client Error: Too Many Requests for url: https://marketplace.walmartapis.com/v3/orders
2026-12-01 10:07:00,000 ERROR walmart.sync: 401 Client Error: Unauthorized for url: https://marketplace.walmartapis.com/v3/token
"""


def test_a_log_excerpt_is_decoded_error_by_error(page):
    at = decode(page.open(), EXCERPT)
    assert [s.value for s in at.subheader][-3:] == ["Mapping", "Walmart refused the keys", "Too many requests: Walmart is limiting calls"]  # after the topics
    captions = [c.value for c in at.caption]
    assert "Error 1 of 2, lines 2, 4" in captions and "Error 2 of 2, line 3" in captions
    assert any("2 errors in the text" in i.value for i in at.info)
    at.run()  # another run (an answer opened, a tab changed) keeps the results
    assert [s.value for s in at.subheader][-2:] == ["Walmart refused the keys", "Too many requests: Walmart is limiting calls"]


def test_the_decoder_speaks_chinese(page):
    at = decode(page.open(lang="zh-CN"), EXCERPT)  # a link in Chinese
    assert [s.value for s in at.subheader][-3:] == ["商品映射", "沃尔玛拒绝了密钥", "请求太多：沃尔玛正在限流"]  # the topics too
    assert "把沙箱密钥用在了生产环境" in markdown(at)
    assert FAQ.get("keys-rejected").text("zh-CN").question in [e.label for e in at.expander]


def test_a_broken_synonyms_file_is_named_on_the_page(page, tmp_path, monkeypatch):
    from core.troubleshooting import terms

    broken = tmp_path / "faq_synonyms.toml"
    broken.write_text('[[group]]\nname = "Not A Slug"\nwords = ["a", "b"]\n', encoding="utf-8")
    monkeypatch.setattr(terms, "SYNONYMS_PATH", broken)
    at = page.open(q="sandbox")
    assert any(str(broken) in e.value and "slug" in e.value for e in at.error)
    assert not at.expander


def test_the_open_tab_is_in_the_address_and_a_link_opens_it(page):
    at = page.open(tab="decode")
    assert at.session_state["troubleshooting_tab"] == "Decode an error"
    at.session_state["troubleshooting_tab"] = "Diagnose keys"  # as a click on the tab does
    at.run()
    assert at.query_params["tab"] == "diagnose"
    at.session_state["troubleshooting_tab"] = "Search the FAQ"
    at.run()
    assert "tab" not in at.query_params  # the first tab needs no word


def test_a_link_to_diagnose_a_store_by_name_opens_that_store(page, runtime):
    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        bright = stores.add_store(session, runtime.vault, actor=ADMIN, name="Bright Kitchen", environment="production",
                                  client_id=SANDBOX_ID, client_secret=SANDBOX_SECRET)
    at = page.open(store="bright kitchen")
    assert at.session_state["troubleshooting_tab"] == "Diagnose keys"
    assert at.selectbox(key="diagnose_store").value == bright.id
