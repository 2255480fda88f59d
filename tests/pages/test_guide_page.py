"""The Operator guide page: docs/operator-guide.md with every picture, for every role."""
from tests.pages.test_roles_page import AUTH
from tests.test_operator_guide import images


def test_the_guide_page_shows_the_text_and_every_picture(app):
    app.run()
    app.switch_page("pages/guide.py").run()
    assert not app.exception
    assert len(app.get("image")) == len(images())
    assert any("a guide for operations staff" in m.value for m in app.markdown)


def test_a_viewer_reads_it_too(app, monkeypatch):
    monkeypatch.setenv("ROLE_VIEWERS", "ann@x.com")
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "email": "ann@x.com"}
    app.run()
    app.switch_page("pages/guide.py").run()
    assert not app.exception and any("Map products" in m.value for m in app.markdown)


def _docs(folder, **guides):
    """A docs folder with these guides: language tag ('' for English) -> text."""
    for language, text in guides.items():
        name = "operator-guide.md" if not language else f"operator-guide.{language.replace('_', '-')}.md"
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_the_guide_of_the_pages_language_is_shown_when_it_is_written(app, monkeypatch, tmp_path):
    import ui.guide

    monkeypatch.setattr(ui.guide, "DOCS", _docs(tmp_path, **{"": "The English guide.", "zh_CN": "中文的操作指南。"}))
    app.query_params["lang"] = "zh-CN"
    app.run()
    app.switch_page("pages/guide.py").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "中文的操作指南。" in text and "The English guide." not in text


def test_a_language_without_its_own_guide_reads_the_english_one(app, monkeypatch, tmp_path):
    import ui.guide

    monkeypatch.setattr(ui.guide, "DOCS", _docs(tmp_path, **{"": "The English guide."}))
    app.query_params["lang"] = "zh-CN"
    app.run()
    app.switch_page("pages/guide.py").run()
    assert not app.exception and any("The English guide." in m.value for m in app.markdown)


def test_english_readers_get_the_english_guide_even_beside_a_translation(tmp_path):
    from ui.guide import guide_for

    docs = _docs(tmp_path, **{"": "The English guide.", "zh_CN": "中文的操作指南。"})
    assert guide_for("en", docs) == docs / "operator-guide.md"
    assert guide_for("zh-CN", docs) == docs / "operator-guide.zh-CN.md"
