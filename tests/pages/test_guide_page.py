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
