"""Likely duplicates are named before saving and refused unless the caller confirms."""
import pytest

from core.db.engine import session_scope
from core.db.models import Credential, CredentialKind
from core.stores import registry as stores
from core.stores.duplicates import DuplicateKind, LikelyDuplicate, find_duplicates
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET

OTHER_ID = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
OTHER_SECRET = "Another-secret-value_0123456789abcdefghijkl"


def add(session, runtime, name, client_id=CLIENT_ID, **extra):
    return stores.add_store(session, runtime.vault, actor=ADMIN, name=name, environment="production", client_id=client_id,
                            client_secret=CLIENT_SECRET if client_id == CLIENT_ID else OTHER_SECRET, **extra)


def test_the_same_client_id_on_another_store_is_refused_unless_allowed(runtime):
    with session_scope(runtime.engine) as session:
        first = add(session, runtime, "Acme Outdoor")
    with session_scope(runtime.engine) as session, pytest.raises(LikelyDuplicate) as caught:
        add(session, runtime, "Bright Kitchen", client_id=CLIENT_ID.upper())
    [duplicate] = caught.value.duplicates
    assert (duplicate.kind, duplicate.store_id, duplicate.store_name) == (DuplicateKind.client_id, first.id, "Acme Outdoor")
    assert "Acme Outdoor" in caught.value.message and "--allow-duplicate" in caught.value.fix
    with session_scope(runtime.engine) as session:
        assert len(stores.list_stores(session)) == 1  # nothing was saved
        add(session, runtime, "Bright Kitchen", allow_duplicate=True)
    with session_scope(runtime.engine) as session:
        assert len(stores.list_stores(session)) == 2


@pytest.mark.parametrize("look_alike", ["acme outdoor", "ACME  OUTDOOR", "ＡＣＭＥ Outdoor", "AcmeOutdoor"])
def test_a_name_differing_only_in_case_spacing_or_form_is_refused_unless_allowed(runtime, look_alike):
    with session_scope(runtime.engine) as session:
        add(session, runtime, "Acme Outdoor")
    with session_scope(runtime.engine) as session, pytest.raises(LikelyDuplicate) as caught:
        add(session, runtime, look_alike, client_id=OTHER_ID)
    assert [d.kind for d in caught.value.duplicates] == [DuplicateKind.name]
    with session_scope(runtime.engine) as session:
        assert add(session, runtime, look_alike, client_id=OTHER_ID, allow_duplicate=True).name == " ".join(look_alike.split())


def test_edits_and_replaced_keys_are_checked_against_the_other_stores_only(runtime):
    with session_scope(runtime.engine) as session:
        acme = add(session, runtime, "Acme Outdoor")
        bright = add(session, runtime, "Bright Kitchen", client_id=OTHER_ID)
    with session_scope(runtime.engine) as session:
        stores.edit_store(session, acme.id, actor=ADMIN, name="ACME outdoor", client_id=CLIENT_ID)  # its own values: fine
    with session_scope(runtime.engine) as session, pytest.raises(LikelyDuplicate, match="ACME outdoor"):
        stores.edit_store(session, bright.id, actor=ADMIN, name="acme OUTDOOR")
    with session_scope(runtime.engine) as session, pytest.raises(LikelyDuplicate, match=CLIENT_ID):
        stores.edit_store(session, bright.id, actor=ADMIN, client_id=CLIENT_ID)
    with session_scope(runtime.engine) as session, pytest.raises(LikelyDuplicate, match=CLIENT_ID):
        stores.replace_secret(session, runtime.vault, bright.id, actor=ADMIN, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with session_scope(runtime.engine) as session:
        view = stores.replace_secret(session, runtime.vault, bright.id, actor=ADMIN, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                     allow_duplicate=True)
    assert view.client_id == CLIENT_ID


def test_a_seller_id_on_another_store_is_found_and_retired_credentials_are_not(runtime):
    with session_scope(runtime.engine) as session:
        acme = add(session, runtime, "Acme Outdoor")
        session.add(Credential(store_id=acme.id, kind=CredentialKind.oauth_seller, state="pending", client_id="app", seller_id="456782346",
                               secret_ciphertext="x"))
        session.add(Credential(store_id=acme.id, kind=CredentialKind.delegated_key, state="retired", client_id=OTHER_ID, secret_ciphertext=""))
    with session_scope(runtime.engine) as session:
        [found] = find_duplicates(session, seller_id=" 456782346 ")
        assert (found.kind, found.store_name) == (DuplicateKind.seller_id, "Acme Outdoor") and "456782346" in found.message
        assert find_duplicates(session, seller_id="456782346", exclude_store_id=acme.id) == []
        assert find_duplicates(session, client_id=OTHER_ID) == []  # a retired key is gone
