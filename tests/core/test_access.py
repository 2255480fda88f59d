"""Roles are enforced in core, and every change leaves an audit entry without any secret."""
import json
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlmodel import select

from core import audit
from core.access import Actor, NotAllowed, Permission, Role, RolePolicy
from core.config import load_settings
from core.db.engine import session_scope
from core.db.models import AuditEntry
from core.oauth import connect as oauth
from core.oauth import grants
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, person

VIEWER, EDITOR, NOBODY = person("viewer@x.com", Role.viewer), person("editor@x.com", Role.editor), person("nobody@x.com", None)
NEW_SECRET = "Rotated-Secret_value-0987654321-ZYXWVUTSRQ"


def add(runtime, actor=ADMIN, name="Acme"):
    with session_scope(runtime.engine) as session:
        return stores.add_store(session, runtime.vault, actor=actor, name=name, environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


STORE_ACTIONS = {
    "edit": lambda s, rt, a: stores.edit_store(s, "Acme", actor=a, notes="x"),
    "replace secret": lambda s, rt, a: stores.replace_secret(s, rt.vault, "Acme", actor=a, client_secret=NEW_SECRET),
    "disable": lambda s, rt, a: stores.set_enabled(s, "Acme", False, actor=a),
    "delete": lambda s, rt, a: stores.delete_store(s, "Acme", actor=a),
}


@pytest.mark.parametrize("who", [VIEWER, EDITOR, NOBODY], ids=["viewer", "editor", "no role"])
def test_only_admins_manage_stores(runtime, who):
    with pytest.raises(NotAllowed) as caught:
        add(runtime, actor=who, name="Nope")
    assert "admin" in str(caught.value) and caught.value.fix
    add(runtime)
    for action in STORE_ACTIONS.values():
        with pytest.raises(NotAllowed), session_scope(runtime.engine) as session:
            action(session, runtime, who)
    with session_scope(runtime.engine) as session:
        view = stores.get_store(session, "Acme")
        assert view.enabled and view.notes == "" and view.version == 1  # nothing changed
        assert [e.action for e in audit.entries(session)] == ["store.add"]


def test_only_admins_use_oauth_actions(runtime):
    app_settings = replace(runtime.settings, oauth_client_id="9c8b7a65-4321-4fed-8cba-0987654321ab")
    with session_scope(runtime.engine) as session:
        with pytest.raises(NotAllowed):
            oauth.save_app_secret(session, runtime.vault, app_settings, "App-secret-value_0123", actor=EDITOR)
        with pytest.raises(NotAllowed):
            oauth.start_connect(session, app_settings, VIEWER, new_store_name="X")
        with pytest.raises(NotAllowed):
            oauth.complete_connect(runtime, oauth.Callback("c", "s", "1"), EDITOR)
        with pytest.raises(NotAllowed):
            grants.confirm_switch(session, 1, actor=EDITOR)


def test_every_store_change_is_audited_without_secrets(runtime):
    add(runtime)
    with session_scope(runtime.engine) as session:
        stores.edit_store(session, "Acme", actor=ADMIN, name="Acme US", notes="main store")
        stores.replace_secret(session, runtime.vault, "Acme US", actor=ADMIN, client_secret=NEW_SECRET)
        stores.set_enabled(session, "Acme US", False, actor=ADMIN)
        stores.set_enabled(session, "Acme US", True, actor=ADMIN)
        stores.delete_store(session, "Acme US", actor=ADMIN)
    with session_scope(runtime.engine) as session:
        found = list(reversed(audit.entries(session)))
    assert [e.action for e in found] == ["store.add", "store.edit", "store.secret_replaced", "store.disable", "store.enable", "store.delete"]
    assert all(e.actor == "test admin" for e in found)
    edit = found[1]
    assert json.loads(edit.before_json) == {"name": "Acme", "notes": ""} and json.loads(edit.after_json) == {"name": "Acme US", "notes": "main store"}
    assert found[-1].store_name == "Acme US" and json.loads(found[-1].before_json)["client_id"] == CLIENT_ID
    everything = " ".join(f"{e.before_json} {e.after_json} {e.detail} {e.subject}" for e in found)
    for secret in (CLIENT_SECRET, NEW_SECRET):
        assert secret not in everything and secret[-4:] not in everything


def test_the_trail_is_append_only(runtime):
    add(runtime)
    for statement in ("update auditentry set actor = 'someone else'", "delete from auditentry"):
        with pytest.raises(Exception, match="append-only"), runtime.engine.begin() as connection:
            connection.execute(text(statement))
    with session_scope(runtime.engine) as session:
        assert [e.actor for e in session.exec(select(AuditEntry)).all()] == ["test admin"]


def test_role_policy_from_configuration():
    settings = load_settings({"ROLE_ADMINS": "Boss@x.com", "ROLE_EDITORS": "group:ops, ed@x.com", "ROLE_VIEWERS": "*@never", "DEFAULT_ROLE": "viewer"}, env_file=None)
    policy = RolePolicy.from_settings(settings)
    assert policy.role_for("boss@x.com") == Role.admin
    assert policy.role_for("ann@x.com", ["Ops"]) == Role.editor
    assert policy.role_for("stranger@x.com") == Role.viewer
    assert RolePolicy.from_settings(load_settings({}, env_file=None)).role_for("stranger@x.com") is None
    assert Actor("a", Role.editor, "test").can(Permission.edit_mappings) and not Actor("a", Role.editor, "test").can(Permission.manage_stores)


def test_cli_runs_as_a_named_admin_and_is_recorded(runtime, monkeypatch, capsys):
    import io
    import sys

    from cli.main import main

    monkeypatch.setenv("STORE_CONNECT_OPERATOR", "night-shift")
    monkeypatch.delenv("WALMART_CLIENT_SECRET", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(CLIENT_SECRET))
    assert main(["stores", "add", "--name", "Acme", "--client-id", CLIENT_ID], runtime_factory=lambda: runtime) == 0
    capsys.readouterr()
    assert main(["audit", "--store", "Acme", "--json"], runtime_factory=lambda: runtime) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["actor"] == "night-shift" and entry["via"] == "cli" and entry["action"] == "store.add"
    assert main(["audit", "--since", "2999-01-01"], runtime_factory=lambda: runtime) == 0
    assert "No changes match" in capsys.readouterr().out
    assert main(["audit", "--since", "yesterday"], runtime_factory=lambda: runtime) == 2


def test_identity_from_a_trusted_proxy_header():
    from core.access import actor_from_headers

    settings = load_settings({"TRUSTED_USER_HEADER": "X-Forwarded-Email", "TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups",
                              "ROLE_EDITORS": "group:warehouse"}, env_file=None)
    who = actor_from_headers({"X-Forwarded-Email": "wendy@x.com", "X-Forwarded-Groups": "staff, Warehouse"}, settings)
    assert (who.name, who.role, who.via) == ("wendy@x.com", Role.editor, "proxy")
    assert actor_from_headers({"X-Forwarded-Email": "ghost@x.com"}, settings).role is None
    assert actor_from_headers({}, settings).name == ""
