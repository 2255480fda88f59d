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
