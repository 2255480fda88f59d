"""Every page in Simplified Chinese (?lang=zh-CN) shows no English sentence apart from SKUs, codes and names.

Each page runs through the router on seeded data (stores with checks, a catalog, mappings for all stores and one
store, audit entries) as an admin, so every section renders; tabs, expanders and forms render in AppTest whether
open or not. The texts people read are collected from every element (Markdown, captions, headings, alerts,
metrics, buttons, tabs, expanders, labels, help, options and placeholders of inputs, progress and spinner texts,
dataframe column names). A page fails on:

- a message the code marks for translation (tests/translations.py) shown in English: the element's whole text is
  an English msgid, or holds one of three words or more;
- anything that reads as English: three English words in a row, once the data this test seeded (store names,
  SKUs, product names, people), addresses, file names, `code`, and Walmart's own names (Client ID, API Keys ...)
  are taken out.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from core import audit, catalog
from core.access import Actor, Role
from core.authorization import fleet
from core.db.engine import session_scope
from core.mapping import grid as mapping_grid
from core.mapping.levels import ALL_STORES
from core.stores import registry as stores
from tests.conftest import CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, SANDBOX_SECRET
from tests.pages.conftest import shown
from tests.translations import all_marked, catalogues

# The seeded data: names and SKUs are shown as they are, in any language.
PERSON = "ops@example.com"
STORES = ("Acme US", "Bright Kitchen")
PRODUCTS = (("MUG-01", "Mug"), ("TEA-02", "Teabox"), ("COASTER-03", "Coaster"))
PLATFORM_SKUS = ("WM-MUG-1", "WM-TEA-2", "WM-SET-3")
LOG = ("2026-12-01 10:00:01 ERROR walmart sync failed: 401 Client Error: Unauthorized for url: https://marketplace.walmartapis.com/v3/token",
       "HTTPError: 429 Client Error: Too Many Requests")  # pasted into the decoder, which quotes the lines it read
DATA = (*LOG, PERSON, *STORES, *(sku for sku, _name in PRODUCTS), *(name for _sku, name in PRODUCTS), *PLATFORM_SKUS)
# Names Walmart, Streamlit and the tools write in English, which Chinese text quotes as they are (docs/glossary.md).
NAMES = ("Store Connect", "Client ID", "Client Secret", "Consumer ID", "Private Key", "API Keys", "My Account", "Marketplace",
         "Developer Portal", "Seller Center", "Solution Provider Center", "Simulate App Connect", "Delegated Access",
         "Connect with Walmart", "redirect URI", "correlation ID", "Accept-Language", "Language / 语言", "Walmart Marketplace",
         "Add New Key For A Solution Provider", "Simulate app connect", "Sandbox credentials",
         "Excel", "CSV", "OAuth", "Webhook", "cron", "systemd", "Kubernetes", "PostgreSQL", "SQLite")
PAGES = ("pages/stores.py", "pages/fleet.py", "pages/connect.py", "pages/mapping.py", "pages/catalog.py", "pages/audit.py",
         "pages/system.py", "pages/troubleshooting.py", "pages/guide.py", "pages/walmart_callback.py", "pages/walmart_login.py")

# What a person reads in an element's proto; ids, keys, types, icons, Arrow bytes and code are not.
_TEXT_FIELDS = {"body", "label", "help", "captions", "options", "placeholder", "text", "value", "page_title", "tooltip", "format"}
_LITERAL_KINDS = {"code", "json", "text_input", "text_area", "number_input", "date_input", "time_input", "image", "imgs",
                  "arrow_data_frame", "dataframe", "arrow_vega_lite_chart", "vega_lite_chart", "balloons", "empty"}
_URL = re.compile(r"(?:https?://|www\.)\S+|(?<![\w.])(?:/[\w.@-]+){2,}/?|\b[\w.-]+\.(?:com|org|example|md|csv|xlsx|xls|toml|py|log|jsonl|key)\b\S*", re.IGNORECASE)
_CODE = re.compile(r"`[^`]*`")
_UPPER_NAME = re.compile(r"\b[A-Z][A-Z0-9]*(?:[._-][A-Za-z0-9]+)+\b|\b[a-z]+(?:_[a-z0-9]+)+\b|\b[A-Z]{2,}\d*\b|--[a-z-]+")
_MARKUP = re.compile(r":material/[a-z_]+:|:[a-z]+\[|[*_#>\[\]()|]")
_ENGLISH_RUN = re.compile(r"\b[A-Za-z][A-Za-z'’-]*(?:[ \t]+[A-Za-z][A-Za-z'’-]*){2,}\b")
_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_COMMAND = re.compile(r"python3?\s+-m\s+\w+(?:\s+(?:--?[\w-]+(?:=\S+)?|[a-z][\w-]*|[A-Z][A-Z_]+|\"[^\"]*\"|'[^']*'))*")
_HTTP_STATUS = re.compile(r"\b(?:HTTP\s+)?[1-5]\d\d(?:\s+[A-Z][a-zA-Z-]*)+")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def seed(runtime) -> None:
    """Two stores with checks behind them, a catalog, mappings for all stores and one store's own: nothing is empty."""
    who = Actor(PERSON, Role.admin, "test")
    with session_scope(runtime.engine) as session:
        acme = stores.add_store(session, runtime.vault, actor=who, name=STORES[0], environment="production", client_id=CLIENT_ID,
                                client_secret=CLIENT_SECRET, notes="")
        stores.add_store(session, runtime.vault, actor=who, name=STORES[1], environment="production", client_id=SANDBOX_ID,
                         client_secret=SANDBOX_SECRET, notes="")  # sandbox keys saved as production: a store that needs attention
        for sku, name in PRODUCTS:
            catalog.add_product(session, sku, name, actor=who)
        rows = [{"platform_sku": PLATFORM_SKUS[0], "system_sku": PRODUCTS[0][0], "quantity": 1},
                {"platform_sku": PLATFORM_SKUS[2], "system_sku": PRODUCTS[0][0], "quantity": 2},
                {"platform_sku": PLATFORM_SKUS[2], "system_sku": PRODUCTS[1][0], "quantity": 1}]
        assert mapping_grid.save_grid(session, ALL_STORES, [], rows, actor=who).saved
        own = [{"platform_sku": PLATFORM_SKUS[1], "system_sku": PRODUCTS[1][0], "quantity": 1}]
        assert mapping_grid.save_grid(session, acme.id, [], own, actor=who).saved
        audit.append(session, who, "store.update", store_id=acme.id, store_name=STORES[0], subject=STORES[0])
    with session_scope(runtime.engine) as session:
        ids = fleet.enabled_store_ids(session)
    list(fleet.check_many(runtime, ids))


def _texts(node: object) -> Iterator[tuple[str, str]]:
    """(element kind, text) for every text a person reads in this part of the element tree."""

    def fields(kind: str, message: Message) -> Iterator[tuple[str, str]]:
        for descriptor, value in message.ListFields():
            values = [value] if isinstance(value, (str, bytes, Message, int, float)) else list(value)
            for item in values:
                if isinstance(item, Message):
                    yield from fields(kind, item)
                elif isinstance(item, str) and descriptor.name in _TEXT_FIELDS:
                    yield kind, item

    for child in getattr(node, "children", {}).values():
        kind = getattr(child, "type", "")
        proto = getattr(child, "proto", None)
        if isinstance(proto, Message) and kind not in _LITERAL_KINDS:
            yield from fields(kind, proto)
        if kind in ("arrow_data_frame", "dataframe"):
            try:
                yield from ((kind, str(column)) for column in child.value.columns)
            except Exception:  # noqa: BLE001 - an element without a frame shows no column names
                pass
        yield from _texts(child)


def _without_data(text: str) -> str:
    text = _TAG.sub(" ", _STYLE.sub(" ", shown(text)))  # the words of an HTML legend, not its markup
    for value in sorted(DATA, key=len, reverse=True):
        text = text.replace(value, " ")
    for pattern in (_CODE, _COMMAND, _URL, _HTTP_STATUS):
        text = pattern.sub(" ", text)
    text = _UPPER_NAME.sub(" ", text)
    for name in sorted(NAMES, key=len, reverse=True):
        text = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", " ", text, flags=re.IGNORECASE)
    return _MARKUP.sub(" ", text)


def _english_messages() -> tuple[set[str], list[str]]:
    """Every marked message whose Chinese differs from its English: whole-text msgids, and the longer ones to find inside texts."""
    same = set()
    for catalog_ in catalogues().values():
        for message in catalog_:
            if message.id and not message.pluralizable and message.string == message.id:
                same.add(message.id)
    whole: set[str] = set()
    for marked in all_marked():
        for msgid in filter(None, (marked.msgid, marked.plural)):
            if "{" in msgid or msgid in same or not _WORDS.search(msgid):
                continue
            whole.add(msgid.strip())
    long = sorted((m for m in whole if len(_WORDS.findall(_without_data(m))) >= 3), key=len, reverse=True)
    return whole, long


def english_on_page(app: AppTest) -> list[str]:
    whole, long = _english_messages()
    problems = []
    for kind, raw in {*_texts(app._tree)}:
        text = shown(raw).strip()
        if not text:
            continue
        bare = re.sub(r"^[#\s]+|[*_]", "", text).strip()
        if bare in whole:
            problems.append(f"{kind}: untranslated message {bare!r}")
            continue
        if found := next((m for m in long if m in text), None):
            problems.append(f"{kind}: untranslated message {found!r} in {text[:160]!r}")
            continue
        if run := _ENGLISH_RUN.search(_without_data(text)):
            problems.append(f"{kind}: English {run.group(0)!r} in {text[:160]!r}")
    return sorted(set(problems))


@pytest.fixture
def chinese_app(app, runtime):
    seed(runtime)
    app.query_params["lang"] = "zh-CN"
    app.run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("page", PAGES)
def test_the_page_speaks_chinese(chinese_app, page):
    if page != PAGES[0]:
        chinese_app.switch_page(page).run()
    assert not chinese_app.exception, chinese_app.exception
    first = next(iter([*chinese_app.title, *chinese_app.markdown]), None)  # its title, or the guide's first words
    assert first is not None and _CHINESE.search(first.value), first  # the page did run in Chinese
    problems = english_on_page(chinese_app)
    assert not problems, f"{page} in Chinese still shows English:\n" + "\n".join(problems)


def test_the_diagnosis_and_the_decoder_speak_chinese(chinese_app):
    """The results the troubleshooting page shows after a person acts: a store's diagnosis and a decoded log excerpt."""
    chinese_app.switch_page("pages/troubleshooting.py").run()
    chinese_app.radio(key="diagnose_source").set_value("saved").run()
    next(button for button in chinese_app.button if button.label == "诊断这家店铺").click().run()
    chinese_app.text_area(key="error_text").set_value("\n".join(LOG))
    next(button for button in chinese_app.button if button.label == "解析").click().run()
    assert not chinese_app.exception, chinese_app.exception
    assert any("诊断" in subheader.value for subheader in chinese_app.subheader)
    problems = english_on_page(chinese_app)
    assert not problems, "the diagnosis and the decoder in Chinese still show English:\n" + "\n".join(problems)


def test_the_scan_finds_english(app, runtime):
    """The scan itself: the same page in English is full of it."""
    seed(runtime)
    app.query_params["lang"] = "en"
    app.run()
    problems = english_on_page(app)
    assert any("untranslated message 'Store authorization'" in problem for problem in problems), problems
    assert any("English" in problem for problem in problems)
