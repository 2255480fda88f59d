"""Outside text that would be live Markdown, and a check that a page rendered it as text.

Use it for any page:

    seed_hostile(runtime)                 # a store, notes, SKUs, a product, an actor and a file name, all hostile
    app.switch_page("pages/x.py").run()   # AppTest runs the page alone: the router's sidebar is checked after app.run()
    checked = assert_no_markdown_from_outside(app)

`assert_no_markdown_from_outside` looks at every element Streamlit renders as Markdown (markdown, captions,
alerts, headings, toasts, metric labels, and every widget's label and help, radio options, expander and tab
labels) and fails if any holds a hostile value's live form: a link or image to evil.example, a colour
directive. Dataframes, code, st.text, selectbox options and typed input values are shown literally by Streamlit
and are not looked at. It returns the texts it looked at, so a test can also check that the page did show the
hostile value (escaped) where expected.
"""
from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from core import audit, catalog
from core.access import Actor, Role
from core.db.engine import session_scope
from core.mapping import grid as mapping_grid
from core.runtime import Runtime
from core.stores import registry as stores
from tests.conftest import CLIENT_ID, CLIENT_SECRET
from ui.text import plain

# Each carries a link, an image and a colour directive, so any Markdown rendering of it shows.
STORE_NAME = "[Sign in](https://evil.example) ![t](https://evil.example/p.png) :red[x]"
NOTE = "**[Reset your key](https://evil.example/reset)** :red[urgent] ![n](https://evil.example/n.png)"
PLATFORM_SKU = "[SKU](https://evil.example/s):red[1]"
SYSTEM_SKU = "![p](https://evil.example/p.png)"
PRODUCT_NAME = "[Buy](https://evil.example/buy) :red[cheap]"
ACTOR = "[boss](https://evil.example/who)"
FILE_NAME = "[file](https://evil.example/f).csv"
GATEWAY_TEXT = "[Sign in again](https://evil.example/login) ![t](https://evil.example/t.png)"
HOSTILE = (STORE_NAME, NOTE, PLATFORM_SKU, SYSTEM_SKU, PRODUCT_NAME, ACTOR, FILE_NAME, GATEWAY_TEXT)
OTHER_CLIENT_ID, OTHER_SECRET = "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "Other-Secret_value_0123456789abcdef"
# What shows when one of them is rendered as Markdown: plain() escapes every one of these.
LIVE = ("](https://evil.example", "https://evil.example", "![", ":red[")

# Fields that Streamlit renders as Markdown, and the element types whose options are Markdown too.
_MARKDOWN_FIELDS = {"body", "label", "help", "captions"}
_MARKDOWN_OPTIONS = {"radio", "button_group"}


@dataclass(frozen=True)
class Seeded:
    store_id: int
    plain_store_id: int


def seed_hostile(runtime: Runtime) -> Seeded:
    """A hostile store (name, notes, keys the fake gateway knows), one plain store, and a hostile product and mapping,
    all saved by a hostile actor, so the audit trail has them too."""
    who = Actor(ACTOR, Role.admin, "test")
    with session_scope(runtime.engine) as session:
        hostile = stores.add_store(session, runtime.vault, actor=who, name=STORE_NAME, environment="production",
                                   client_id=CLIENT_ID, client_secret=CLIENT_SECRET, notes=NOTE)
        other = stores.add_store(session, runtime.vault, actor=who, name="Plain store", environment="production",
                                 client_id=OTHER_CLIENT_ID, client_secret=OTHER_SECRET)
        catalog.add_product(session, SYSTEM_SKU, PRODUCT_NAME, actor=who)
        saved = mapping_grid.save_grid(session, hostile.id, [], [{"platform_sku": PLATFORM_SKU, "system_sku": SYSTEM_SKU, "quantity": 1}], actor=who)
        assert saved.saved, saved.errors
        mapping_grid.save_grid(session, other.id, [], [{"platform_sku": PLATFORM_SKU, "system_sku": SYSTEM_SKU, "quantity": 2}], actor=who)
        audit.append(session, who, "import.apply", store_id=hostile.id, store_name=STORE_NAME, subject=FILE_NAME, detail=GATEWAY_TEXT)
    return Seeded(hostile.id, other.id)


def markdown_texts(app: AppTest, within: object = None) -> list[tuple[str, str]]:
    """(element type, text) for every piece of text the rendered page (or one part of it, e.g. app.sidebar) shows as Markdown."""
    found: list[tuple[str, str]] = []

    def fields(kind: str, message: Message) -> None:
        for descriptor, value in message.ListFields():
            wanted = descriptor.name in _MARKDOWN_FIELDS or (descriptor.name == "options" and kind in _MARKDOWN_OPTIONS)
            values = [value] if isinstance(value, (str, bytes, Message, int, float)) else list(value)  # repeated fields
            for item in values:
                if isinstance(item, Message):
                    fields(kind, item)
                elif wanted and isinstance(item, str):
                    found.append((kind, item))

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if isinstance(proto, Message):
                fields(child.type, proto)
            walk(child)

    walk(app._tree if within is None else within)
    return found


def assert_no_markdown_from_outside(app: AppTest, within: object = None) -> list[str]:
    """Fail if any Markdown-rendered element (of the page, or of `within`) shows outside text as live Markdown;
    the texts looked at otherwise."""
    assert not app.exception, app.exception
    texts = markdown_texts(app, within)
    leaks = [f"{kind}: {text!r}" for kind, text in texts if any(live in text for live in LIVE)]
    assert leaks == [], "outside text rendered as Markdown:\n" + "\n".join(leaks)
    return [text for _, text in texts]


def shown_as_text(value: str, texts: list[str]) -> bool:
    """True when `value` appears, escaped by plain(), in one of the texts."""
    return any(plain(value) in text for text in texts)
