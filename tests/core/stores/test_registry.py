"""The store registry against a real database: lifecycle, conflicts, secrets at rest."""
import json
import threading

import pytest
from sqlmodel import select

from core import audit
from core.authorization import check as authorization
from core.db.engine import session_scope
from core.db.models import AuthorizationCheck, Credential
from core.errors import Conflict, NotFound, ValidationFailed
from core.stores import registry as stores
from core.stores.credential import load_credential
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, SANDBOX_ID, database_dump

NEW_SECRET = "Rotated-Secret_value-0987654321-ZYXWVUTSRQ"


def add(runtime, name="Acme US", **extra):
    with session_scope(runtime.engine) as session:
        return stores.add_store(session, runtime.vault, actor=ADMIN, name=name, environment=extra.pop("environment", "production"),
            client_id=extra.pop("client_id", CLIENT_ID), client_secret=extra.pop("client_secret", CLIENT_SECRET), **extra
        )


def test_add_list_and_view_never_hold_the_secret(runtime):
    view = add(runtime, notes="  first store ")
    assert view.secret_masked == "••••" + CLIENT_SECRET[-4:]
    assert view.notes == "first store" and view.credential_kind == "delegated_key"
    with session_scope(runtime.engine) as session:
        listed = stores.list_stores(session)
    assert [v.name for v in listed] == ["Acme US"]
    assert CLIENT_SECRET not in repr(listed) and CLIENT_SECRET not in str(view.to_dict())


def test_pasted_keys_are_trimmed_and_bad_keys_refused(runtime):
    view = add(runtime, client_id=f"  {CLIENT_ID}\n", client_secret=f"{CLIENT_SECRET}\n")
    assert view.client_id == CLIENT_ID
    with pytest.raises(ValidationFailed) as caught:
        add(runtime, name="Twin", client_id=CLIENT_ID, client_secret=CLIENT_ID)
    assert caught.value.fix
    with session_scope(runtime.engine) as session:
        assert len(stores.list_stores(session)) == 1


def test_names_are_unique_and_required(runtime):
    add(runtime)
    with pytest.raises(ValidationFailed, match="already exists"):
        add(runtime, name=" Acme   US ")
    with pytest.raises(ValidationFailed, match="needs a name"):
        add(runtime, name="   ")
    with pytest.raises(ValidationFailed, match="not an environment"):
        add(runtime, name="B", environment="staging")


def test_edit_disable_and_stale_edit_is_refused(runtime):
    view = add(runtime)
    with session_scope(runtime.engine) as session:
        edited = stores.edit_store(session, "Acme US", actor=ADMIN, expected_version=view.version, name="Acme USA", environment="sandbox")
    assert (edited.name, edited.environment, edited.version) == ("Acme USA", "sandbox", view.version + 1)
    with pytest.raises(Conflict) as caught, session_scope(runtime.engine) as session:
        stores.set_enabled(session, edited.id, False, actor=ADMIN, expected_version=view.version)
    assert "Reload" in caught.value.fix
    with session_scope(runtime.engine) as session:
        assert stores.get_store(session, edited.id).enabled  # the stale change did nothing
        assert not stores.set_enabled(session, edited.id, False, actor=ADMIN).enabled


def test_replace_secret_changes_ciphertext_and_mask(runtime):
    view = add(runtime)
    with session_scope(runtime.engine) as session:
        before = session.exec(select(Credential)).one().secret_ciphertext
        after_view = stores.replace_secret(session, runtime.vault, view.id, actor=ADMIN, client_secret=NEW_SECRET)
    with session_scope(runtime.engine) as session:
        credential = session.exec(select(Credential)).one()
        assert credential.secret_ciphertext != before
        assert runtime.vault.decrypt(credential.secret_ciphertext) == NEW_SECRET
    assert after_view.secret_masked.endswith(NEW_SECRET[-4:])


def test_replacing_the_keys_records_the_old_and_the_new_client_id(runtime):
    view = add(runtime)
    with session_scope(runtime.engine) as session:
        stores.replace_secret(session, runtime.vault, view.id, actor=ADMIN, client_secret=NEW_SECRET, client_id=SANDBOX_ID)
        stores.replace_secret(session, runtime.vault, view.id, actor=ADMIN, client_secret=CLIENT_SECRET)  # the Client ID kept
    with session_scope(runtime.engine) as session:
        replaced = [entry for entry in reversed(audit.entries(session)) if entry.action == "store.secret_replaced"]
    assert [(json.loads(e.before_json), json.loads(e.after_json)) for e in replaced] == [
        ({"client_id": CLIENT_ID}, {"client_id": SANDBOX_ID}),
        ({"client_id": SANDBOX_ID}, {"client_id": SANDBOX_ID}),
    ]


def test_delete_removes_credential_and_history(runtime, gateway):
    view = add(runtime)
    authorization.check_store(runtime, view.id)
    with session_scope(runtime.engine) as session:
        assert stores.delete_store(session, "Acme US", actor=ADMIN) == "Acme US"
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Credential)).all() == []
        assert session.exec(select(AuthorizationCheck)).all() == []
        with pytest.raises(NotFound):
            stores.find_store(session, "Acme US")


def test_no_secret_in_clear_anywhere_in_the_database(runtime, gateway, settings):
    view = add(runtime)
    with session_scope(runtime.engine) as session:
        stores.replace_secret(session, runtime.vault, view.id, actor=ADMIN, client_secret=NEW_SECRET)
    authorization.check_store(runtime, view.id)
    dump = database_dump(runtime.engine)
    assert CLIENT_ID in dump  # the dump is real: the public Client ID is there
    for secret in (CLIENT_SECRET, NEW_SECRET):
        assert secret not in dump
        assert secret[:20] not in dump
    if runtime.engine.dialect.name == "sqlite":
        runtime.engine.dispose()
        path = settings.database_url.split("///", 1)[1]
        raw = b"".join(open(p, "rb").read() for p in (path, path + "-wal") if __import__("os").path.exists(p))
        assert CLIENT_ID.encode() in raw
        assert CLIENT_SECRET.encode() not in raw and NEW_SECRET.encode() not in raw


def test_key_pair_repr_is_masked(runtime):
    view = add(runtime)
    with session_scope(runtime.engine) as session:
        keys = load_credential(session, runtime.vault, stores.find_store(session, view.id))
    assert keys.client_secret == CLIENT_SECRET
    assert CLIENT_SECRET not in repr(keys)


def test_a_store_has_a_market_that_its_credential_carries(runtime):
    assert add(runtime).market == "us"  # the default: every store made before markets sells in the US
    view = add(runtime, name="Maple CA", market=" CA ", allow_duplicate=True)  # the same test key on a second store
    assert view.market == "ca" and view.to_dict()["market"] == "ca"
    with session_scope(runtime.engine) as session:
        credential = load_credential(session, runtime.vault, stores.find_store(session, "Maple CA"))
    assert credential.market == "ca"
    with pytest.raises(ValidationFailed, match="'uk' is not a Walmart market"):
        add(runtime, name="London", market="uk")


@pytest.mark.parametrize("second", ["edit", "replace_secret", "delete"])
def test_two_tabs_saving_one_store_at_once_save_one_and_refuse_the_other(runtime, monkeypatch, second):
    """Both tabs read version 1, then both save. The version was compared in Python and the row updated by id alone,
    so both saves went through: one tab's change was lost (or mixed with the other's) and the trail told both."""
    view = add(runtime)
    both_read = threading.Barrier(2, timeout=10)
    real = stores._credential
    waited: set[int] = set()

    def read_then_wait(session, store_id):
        found = real(session, store_id)
        if threading.get_ident() not in waited:  # each tab waits once, after its first read, for the other to read
            waited.add(threading.get_ident())
            both_read.wait()
        return found

    monkeypatch.setattr(stores, "_credential", read_then_wait)
    saves = {
        "edit": lambda s: stores.edit_store(s, view.id, actor=ADMIN, expected_version=view.version, name="Acme renamed", notes="tab 2"),
        "replace_secret": lambda s: stores.replace_secret(s, runtime.vault, view.id, actor=ADMIN, client_secret=NEW_SECRET,
                                                          expected_version=view.version),
        "delete": lambda s: stores.delete_store(s, view.id, actor=ADMIN, expected_version=view.version),
    }
    results: dict[str, str] = {}

    def save(tab, action):
        try:
            with session_scope(runtime.engine) as session:
                action(session)
            results[tab] = "saved"
        except Conflict:
            results[tab] = "conflict"

    tabs = [threading.Thread(target=save, args=("tab 1", lambda s: stores.edit_store(s, view.id, actor=ADMIN, expected_version=view.version,
                                                                                       notes="tab 1"))),
            threading.Thread(target=save, args=("tab 2", saves[second]))]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()
    monkeypatch.undo()
    assert sorted(results.values()) == ["conflict", "saved"], results
    with session_scope(runtime.engine) as session:
        changes = [entry for entry in audit.entries(session) if entry.action != "store.add"]
        assert len(changes) == 1  # the trail tells the one change that happened
        if results["tab 1"] == "saved":
            assert stores.get_store(session, view.id).notes == "tab 1" and stores.get_store(session, view.id).version == 2
