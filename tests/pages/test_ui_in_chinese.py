"""The pieces ui/ draws, in Simplified Chinese: with ?lang=zh-CN no message of ui's catalogue is left in English,
the widgets whose options are translated still work (AppTest reads their labels from its own thread), and dates,
numbers and status words follow the language."""
import re

import pytest

from core import i18n
from core.db.engine import session_scope
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.pages.conftest import page_text, shown
from tests.pages.test_mapping_page import load, open_page
from tests.pages.test_mapping_page import store as store  # noqa: F401  (the fixture: a store with three mappings)
from tests.translations import fields, marked

WIDGETS = ("button", "checkbox", "radio", "selectbox", "multiselect", "text_input", "text_area", "toggle", "expander", "tab",
           "download_button", "number_input")


def everything_shown(app) -> list[str]:
    """Each piece of text on the page: element texts, widget labels, help texts, placeholders and options."""
    texts = page_text(app).splitlines()
    for kind in WIDGETS:
        for widget in app.get(kind):
            for name in ("label", "help", "placeholder"):
                texts.append(shown(getattr(widget, name, "") or getattr(widget.proto, name, "") or ""))
            texts.extend(shown(option) for option in getattr(widget, "options", []) or [])
    return [text for text in texts if text.strip()]


def english_left(texts: list[str], ignore: frozenset[str] = frozenset()) -> list[str]:
    """ui's messages shown as written in English: a whole label, or a sentence inside a longer text. `ignore`: words the
    page itself (pages/, not ui/) may show as they are."""
    translations = i18n._catalogue("zh-CN")
    left = set()
    for message in {m.msgid for m in marked("ui") if not m.plural and not fields(m.msgid)}:
        if translations.gettext(message) == message or message in ignore:  # the same in both languages (OAuth, GTIN / UPC)
            continue
        bare = message.replace("**", "")
        for text in texts:
            if text == message or text == bare or (len(message.split()) >= 4 and bare in text.replace("**", "")):
                left.add(message)
    return sorted(left)


@pytest.fixture
def chinese(app):
    """The app asked for in Chinese. AppTest formats options on this thread too (to find the chosen one): it speaks the
    page's language here as well, for the pages' own widgets."""
    app.query_params["lang"] = "zh-CN"
    with i18n.use_language("zh-CN"):
        yield app


def test_the_mapping_page_speaks_chinese_in_every_tab(chinese, runtime, store):
    app = open_page(chinese, lang="zh-CN", store="Acme")
    texts = everything_shown(app)
    assert english_left(texts) == []
    assert "共 3 条映射；第 1/1 页，本页 3 条。组合产品是多行相同的平台SKU。" in texts
    assert app.button(key="mapping_save").label == "保存"


def test_translated_options_read_the_same_on_any_thread(chinese, runtime, store):
    """Option labels are translated while the page runs (ui.labels): a format_func called where another language is
    current (AppTest calls it from its own thread) still gives the label shown, so the chosen value is found."""
    app = open_page(chinese, lang="zh-CN", store="Acme")
    mode = app.radio(key="mapping_import_mode")
    assert mode.options == ["合并：新增和更新文件中的平台SKU，其他的保留不动", "替换：上面所选的映射完全以文件为准（文件里没有的会被删除）"]
    with i18n.use_language("en"):
        assert mode.format_func("replace") == mode.options[1]
        assert app.radio(key="mapping_clone_policy").format_func("skip").startswith("跳过：")
        assert app.radio(key="mapping_rows").format_func("unsaved") == "未保存的修改"
    mode.set_value("replace").run()
    assert not app.exception and app.radio(key="mapping_import_mode").value == "replace"
    app.radio(key="mapping_clone_direction").set_value("push").run()
    assert not app.exception and app.radio(key="mapping_push_policy").options[0].startswith("跳过：")


def test_the_store_page_speaks_chinese_and_its_edit_form_works(chinese, runtime, gateway):
    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production", client_id=CLIENT_ID,
                         client_secret=CLIENT_SECRET)
    chinese.run()
    chinese.switch_page("pages/stores.py").run()
    chinese.button(key="check_now").click().run()  # the edit form's environment radio is read back on this rerun
    assert not chinese.exception, chinese.exception
    texts = everything_shown(chinese)
    # The page's own Add form and store table show the environment and the market as codes (production, US): pages/, not ui/.
    assert english_left(texts, ignore=frozenset({"production", "sandbox", "US"})) == []
    assert any(box.label == "站点" and box.options == ["美国站", "加拿大站", "墨西哥站", "智利站"] for box in chinese.selectbox)
    assert any(radio.label == "环境" and radio.options == ["生产环境", "沙箱"] for radio in chinese.radio)  # the edit form's
    caption = next(text for text in texts if text.startswith("客户端ID和密钥 · "))
    assert re.search(r"保存于 \d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}（UTC）$", caption), caption  # the date as Chinese write it
    assert any("权限：已授予与要求对比" in text for text in texts)


def test_dates_and_numbers_follow_the_language():
    from datetime import datetime

    from ui.actions import when

    moment = datetime(2026, 12, 5, 14, 25)
    with i18n.use_language("zh-CN"):
        assert when(moment) == "2026/12/5 14:25"
    with i18n.use_language("en"):
        assert when(moment).startswith("12/5/26")
        assert when(None) == "—"


def test_status_words_are_translated_and_unknown_codes_stay_readable():
    from ui.status import access_label, delivery_label, event_kind_label

    with i18n.use_language("zh-CN"):
        assert (access_label("full_access"), access_label("view_only"), access_label("")) == ("完全访问", "只读", "不需要")
        assert access_label("not granted") == "未授予"  # a scope Walmart's token detail does not list
        assert event_kind_label("lost_authorization") == "授权失效"
        assert delivery_label("failed", "HTTP 500") == "发送失败，稍后重试（HTTP 500）"
        assert event_kind_label("some_new_kind") == "some new kind"  # a newer version's code: words, not nothing
    with i18n.use_language("en"):
        assert access_label("view_only") == "view only" and delivery_label("sent") == "sent"


def test_the_grid_counts_are_written_with_the_languages_digits(chinese, runtime, store):
    load(runtime, store, [[f"WM-{n}", "MUG", "1"] for n in range(10, 1250)])
    app = open_page(chinese, lang="zh-CN", store="Acme")
    assert any(text.startswith("共 1,243 条映射；第 1/") for text in everything_shown(app))
