import errno
import os
import stat

import pytest
from cryptography.fernet import Fernet

from core.config import load_settings
from core.db.engine import init_db, make_engine
from core.errors import ConfigError
from core.vault import WrongEncryptionKey, load_vault, mask, verify_key


def _settings(tmp_path, **extra):
    return load_settings({"STORE_CONNECT_KEY_FILE": str(tmp_path / "secret.key"), **extra}, env_file=None)


def test_key_file_is_generated_once_owner_only(tmp_path):
    first = load_vault(_settings(tmp_path))
    assert first.source.generated and first.source.path == tmp_path / "secret.key"
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    second = load_vault(_settings(tmp_path))
    assert not second.source.generated
    assert second.decrypt(first.encrypt("s3cret")) == "s3cret"


def test_ciphertext_hides_the_secret_and_is_authenticated(tmp_path):
    vault = load_vault(_settings(tmp_path))
    token = vault.encrypt("very-secret-value")
    assert "very-secret-value" not in token
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(WrongEncryptionKey):
        vault.decrypt(tampered)


def test_key_from_environment_and_rotation(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    saved = load_vault(_settings(tmp_path, STORE_CONNECT_SECRET_KEY=old)).encrypt("abc")
    rotated = load_vault(_settings(tmp_path, STORE_CONNECT_SECRET_KEY=f"{new},{old}"))
    assert rotated.decrypt(saved) == "abc"
    assert not (tmp_path / "secret.key").exists()


def test_malformed_key_names_the_variable(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_vault(_settings(tmp_path, STORE_CONNECT_SECRET_KEY="not-a-key"))
    assert caught.value.variable == "STORE_CONNECT_SECRET_KEY"
    assert "not-a-key" not in str(caught.value)


def test_wrong_key_is_refused_before_anything_is_written(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    init_db(engine)
    verify_key(load_vault(_settings(tmp_path, STORE_CONNECT_SECRET_KEY=Fernet.generate_key().decode())), engine)
    other = load_vault(_settings(tmp_path, STORE_CONNECT_SECRET_KEY=Fernet.generate_key().decode()))
    with pytest.raises(WrongEncryptionKey) as caught:
        verify_key(other, engine)
    assert "STORE_CONNECT_SECRET_KEY" in str(caught.value) and "backup" in caught.value.fix


def test_mask_shows_only_last_four():
    assert mask("abcdefgh1234") == "••••1234"
    assert mask(None, "wxyz") == "••••wxyz"
    assert mask("") == "(not set)"


def _saved_secrets(engine) -> dict[str, list]:
    from sqlalchemy import text

    with engine.connect() as connection:
        return {table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
                for table in ("encryptioncheck", "store", "credential", "oauthapp", "cachedtoken", "auditentry")}


def _without_check_row(engine) -> None:
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(text("DELETE FROM encryptioncheck"))


def _store_with_secret(engine, vault, name="Acme") -> None:
    from core.db.engine import session_scope
    from core.stores.registry import add_store
    from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET

    with session_scope(engine) as session:
        add_store(session, vault, actor=ADMIN, name=name, environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


def test_a_missing_check_row_with_saved_secrets_refuses_a_wrong_key_and_writes_nothing(tmp_path, database_url):
    from core.vault import KeyCheckMissing

    right, wrong = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    engine = make_engine(database_url)
    init_db(engine)
    vault = load_vault(_settings(tmp_path, STORE_CONNECT_SECRET_KEY=right))
    verify_key(vault, engine)
    _store_with_secret(engine, vault)
    _without_check_row(engine)
    before = _saved_secrets(engine)

    with pytest.raises(KeyCheckMissing) as refused:
        verify_key(load_vault(_settings(tmp_path, STORE_CONNECT_SECRET_KEY=wrong)), engine)
    assert "Nothing was changed" in refused.value.message and "backup" in refused.value.fix
    assert "STORE_CONNECT_SECRET_KEY" in refused.value.fix and "key file" in refused.value.fix
    assert _saved_secrets(engine) == before  # the check row was not rewritten with the wrong key

    verify_key(vault, engine)  # the right key still works, and vouches for the secrets again
    assert len(_saved_secrets(engine)["encryptioncheck"]) == 1
    with pytest.raises(WrongEncryptionKey):
        verify_key(load_vault(_settings(tmp_path, STORE_CONNECT_SECRET_KEY=wrong)), engine)
    engine.dispose()


def test_any_kind_of_saved_secret_counts(tmp_path, database_url):
    """An OAuth app secret alone (no store yet) is enough to refuse a key that cannot read it."""
    from core.db.engine import session_scope
    from core.db.models import OAuthApp
    from core.vault import KeyCheckMissing

    engine = make_engine(database_url)
    init_db(engine)
    vault = load_vault(_settings(tmp_path, STORE_CONNECT_SECRET_KEY=Fernet.generate_key().decode()))
    with session_scope(engine) as session:
        session.add(OAuthApp(client_id="app", secret_ciphertext=vault.encrypt("app secret"), secret_last4="cret"))
    with pytest.raises(KeyCheckMissing):
        verify_key(load_vault(_settings(tmp_path, STORE_CONNECT_SECRET_KEY=Fernet.generate_key().decode())), engine)
    assert _saved_secrets(engine)["encryptioncheck"] == []
    engine.dispose()


def test_a_database_without_secrets_gets_its_check_row(tmp_path, database_url):
    engine = make_engine(database_url)
    init_db(engine)
    verify_key(load_vault(_settings(tmp_path)), engine)
    assert len(_saved_secrets(engine)["encryptioncheck"]) == 1
    engine.dispose()


@pytest.mark.parametrize("refusal", [errno.EROFS, errno.EPERM])
def test_a_key_file_whose_mode_cannot_be_tightened_is_still_used(tmp_path, monkeypatch, caplog, refusal):
    """A Kubernetes Secret volume is read-only and mounts its files 0644 behind a symlink: the key is readable, but
    chmod fails. Start-up once failed on it (a traceback on the page, 'the disk is read-only' with exit 5 on the CLI)."""
    key = Fernet.generate_key()
    target = tmp_path / "mounted" / "secret.key"
    target.parent.mkdir()
    target.write_bytes(key + b"\n")
    target.chmod(0o644)
    (tmp_path / "secret.key").symlink_to(target)

    def refused(*args, **kwargs):
        raise OSError(refusal, os.strerror(refusal))

    monkeypatch.setattr(os, "chmod", refused)
    vault = load_vault(_settings(tmp_path))
    assert vault.decrypt(Fernet(key).encrypt(b"s3cret").decode()) == "s3cret"
    assert "secret.key" in caplog.text and "others" in caplog.text  # the operator is told the key is readable by others
