"""Sign-in and roles through AppTest (at.user): what each role sees, and that the audit page shows changes."""
import pytest

from core.db.engine import session_scope
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.pages.conftest import page_text, shown

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret", "client_id": "x",
        "client_secret": "y", "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}


@pytest.fixture
def signed_in(app, monkeypatch):
    monkeypatch.setenv("ROLE_ADMINS", "boss@x.com")
    monkeypatch.setenv("ROLE_VIEWERS", "group:support")
    app.secrets["auth"] = AUTH

    def as_user(email, groups=()):
        app.user = {"is_logged_in": True, "email": email, "groups": list(groups)}
        return app.run()

    return as_user


def test_not_signed_in_sees_only_the_sign_in_button(app):
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": False}
    app.run()
    assert not app.exception
    assert [b.label for b in app.button] == ["Sign in"]
    assert "Store authorization" not in page_text(app)


def test_no_role_is_refused_plainly(signed_in):
    app = signed_in("stranger@x.com")
    assert "no role is given to you" in app.error[0].value


def test_viewer_sees_status_but_cannot_change(signed_in, runtime):
    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    app = signed_in("ann@x.com", groups=["support"])
    assert not app.exception
    assert "Signed in as **ann@x.com** (viewer)" in page_text(app)
    assert app.dataframe[0].value.loc[0, "Store"] == "Acme"
    assert "Add a store" not in [e.label for e in app.expander]
    assert "Edit, replace secret, disable or delete" not in [e.label for e in app.expander]
    assert "Back it up" not in page_text(app) and "secret.key" not in page_text(app)  # paths and the key note are for admins
    app.button(key="check_now").click().run()  # checking changes no setting: allowed
    assert not app.exception


def test_a_groups_claim_given_as_text_is_one_group(app, monkeypatch):
    # Some identity providers send a single group as a string rather than a list of one.
    monkeypatch.setenv("ROLE_VIEWERS", "group:support")
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "email": "ann@x.com", "groups": "support"}
    app.run()
    assert not app.exception
    assert "Signed in as **ann@x.com** (viewer)" in page_text(app)


def test_admin_adds_a_store_and_the_audit_page_shows_who(signed_in):
    app = signed_in("boss@x.com")
    app.text_input(key="add_name_0").input("Acme")
    app.text_input(key="add_client_id_0").input(CLIENT_ID)
    app.text_input(key="add_secret_0").input(CLIENT_SECRET)
    app.run()
    app.button(key="add_store").click().run()
    assert "Acme saved and checked" in shown(app.success[0])
    app.switch_page("pages/audit.py").run()
    assert not app.exception
    trail = app.dataframe[0].value
    assert (trail.loc[0, "Who"], trail.loc[0, "What"], trail.loc[0, "Store"]) == ("boss@x.com", "Store added", "Acme")
    assert CLIENT_SECRET not in trail.to_string()
    assert app.get("download_button")


def test_local_operator_mode_says_so(app):
    app.run()
    assert "Local operator mode" in app.sidebar.info[0].value


def test_proxy_mode_without_the_header_is_refused(app, monkeypatch):
    monkeypatch.setenv("TRUSTED_USER_HEADER", "X-Forwarded-Email")
    app.run()
    assert "did not identify you" in app.error[0].value


@pytest.mark.parametrize("claims", [
    {"name": "boss@x.com"},  # no email: the display name is not an identity
    {"email": "boss@x.com", "email_verified": False},
])
def test_a_sign_in_without_a_verified_email_is_nobody(app, monkeypatch, claims):
    monkeypatch.setenv("ROLE_ADMINS", "boss@x.com")
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, **claims}
    app.run()
    assert not app.exception
    assert "did not give a verified email address" in shown(app.error[0])
    assert [b.label for b in app.button] == ["Sign out"]
    assert "boss@x.com" not in page_text(app) and "Store authorization" not in page_text(app)


def test_a_user_named_like_a_group_is_not_a_member(signed_in):
    app = signed_in("group:support")
    assert "no role is given to you" in shown(app.error[0])
    assert "Store authorization" not in page_text(app)
