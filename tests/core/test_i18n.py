"""Translations: catalogues compiled from .po, plural forms per language, one language per unit of work."""
import threading
from datetime import datetime

import pytest

from core import i18n
from core.i18n import _, ngettext

PO = r'''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

msgid "Store '{name}' saved."
msgstr "店铺“{name}”已保存。"

msgid "{n} row"
msgid_plural "{n} rows"
msgstr[0] "{n} 行"
'''


@pytest.fixture
def chinese(tmp_path, monkeypatch):
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(PO, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.reload_catalogues()
    yield folder
    i18n.reload_catalogues()


def test_english_is_the_source_text_and_fields_are_filled():
    with i18n.use_language("en"):
        assert _("Store '{name}' saved.", name="Acme") == "Store 'Acme' saved."
        assert ngettext("{n} row", "{n} rows", 1) == "1 row"
        assert ngettext("{n} row", "{n} rows", 2) == "2 rows"


def test_chinese_comes_from_the_compiled_catalogue(chinese):
    with i18n.use_language("zh-CN"):
        assert _("Store '{name}' saved.", name="Acme") == "店铺“Acme”已保存。"
        assert ngettext("{n} row", "{n} rows", 1) == "1 行"
        assert ngettext("{n} row", "{n} rows", 5) == "5 行"  # Chinese has one plural form
        assert _("Not in the catalogue yet") == "Not in the catalogue yet"  # falls back to the source text
    assert (chinese / "messages.mo").exists()  # compiled once, beside the .po


def test_a_read_only_catalogue_folder_still_translates(chinese, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(type(chinese), "write_bytes", refuse)
    with i18n.use_language("zh-CN"):
        assert ngettext("{n} row", "{n} rows", 3) == "3 行"
    assert not (chinese / "messages.mo").exists()


def test_each_thread_of_work_keeps_its_own_language(chinese):
    seen: dict[str, str] = {}
    ready = threading.Barrier(2)

    def run(language: str) -> None:
        i18n.set_language(language)
        ready.wait()  # both threads have chosen before either translates
        seen[language] = ngettext("{n} row", "{n} rows", 2)

    threads = [threading.Thread(target=run, args=(language,)) for language in ("en", "zh-CN")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"en": "2 rows", "zh-CN": "2 行"}


def test_the_process_default_applies_where_nothing_was_chosen(chinese):
    result: list[str] = []
    i18n.set_default_language("zh")
    try:
        worker = threading.Thread(target=lambda: result.append(i18n.current_language()))
        worker.start()
        worker.join()
    finally:
        i18n.set_default_language("en")
    assert result == ["zh-CN"]


@pytest.mark.parametrize(("tag", "expected"), [
    ("zh-CN", "zh-CN"), ("zh_cn", "zh-CN"), ("zh", "zh-CN"), ("zh-Hans-CN", "zh-CN"), ("zh-TW", None),
    ("en", "en"), ("en-GB", "en"), ("fr", None), ("", None), (None, None),
])
def test_language_tags(tag, expected):
    assert i18n.supported(tag) == expected


@pytest.mark.parametrize(("header", "expected"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    ("fr-FR,fr;q=0.9,en-US;q=0.8,zh;q=0.7", "en"),
    ("en;q=0.5, zh-CN;q=0.9", "zh-CN"),
    ("de, fr", None),
    ("zh;q=0, en;q=0.1", "en"),
    ("", None),
])
def test_accept_language(header, expected):
    assert i18n.from_accept_language(header) == expected


def test_numbers_and_dates_follow_the_language():
    moment = datetime(2026, 12, 5, 14, 30)
    with i18n.use_language("en"):
        assert i18n.format_number(1234567) == "1,234,567"
        english = i18n.format_datetime(moment)
    with i18n.use_language("zh-CN"):
        chinese = i18n.format_datetime(moment)
    assert "2026" in chinese and english != chinese
    assert i18n.format_datetime(None) == "—"


def test_a_lazy_message_is_translated_where_it_is_shown(chinese):
    summary = i18n.join(i18n.lazy("Store '{name}' saved.", name="Acme"), i18n.lazy_ngettext("{n} row", "{n} rows", 3))
    with i18n.use_language("en"):
        assert i18n.render(summary) == "Store 'Acme' saved. 3 rows"
    with i18n.use_language("zh-CN"):
        assert str(summary) == "店铺“Acme”已保存。 3 行"


def test_a_lazy_message_survives_a_text_column(chinese):
    nested = i18n.lazy("Store '{name}' saved.", name=i18n.lazy_ngettext("{n} row", "{n} rows", 2))
    stored = i18n.dumps(i18n.join(nested, "raw gateway text", separator=" | "))
    assert isinstance(stored, str) and "Store '{name}' saved." in stored  # the message id, not a translation
    loaded = i18n.loads(stored)
    with i18n.use_language("zh-CN"):
        assert i18n.render(loaded) == "店铺“2 行”已保存。 | raw gateway text"
    assert i18n.loads("Written before messages were kept untranslated.") == "Written before messages were kept untranslated."
    assert i18n.loads(None) == "" and i18n.dumps("plain") == "plain"


def test_every_catalogue_of_a_language_is_read(chinese):
    (chinese / "ui.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Save"\nmsgstr "保存"\n', encoding="utf-8")
    i18n.reload_catalogues()
    with i18n.use_language("zh-CN"):
        assert _("Save") == "保存" and ngettext("{n} row", "{n} rows", 2) == "2 行"  # one from each file
