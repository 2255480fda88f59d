"""Encrypting secrets at rest (Fernet: AES-128-CBC + HMAC-SHA256) and finding the key.

The key comes from STORE_CONNECT_SECRET_KEY. Several comma-separated keys may be
given to rotate: the first encrypts, all decrypt. Without the variable, a key is
generated once into a file under data/ that only the owner can read.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Column
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from core.config import Settings
from core.db.engine import session_scope
from core.db.models import EncryptionCheck
from core.errors import ConfigError, StoreConnectError
from core.i18n import _

_CHECK_PLAINTEXT = b"store-connect-key-check"
_log = logging.getLogger(__name__)


class WrongEncryptionKey(StoreConnectError):
    def __init__(self, source: str):
        super().__init__(
            _("The encryption key ({source}) is not the one the saved secrets were encrypted with, "
              "so they cannot be read. Nothing was changed.", source=source),
            _("Restore the original key file from your backup, or set STORE_CONNECT_SECRET_KEY to the "
              "original key, then restart. Do not delete the database."),
        )


@dataclass(frozen=True)
class KeySource:
    description: str  # shown to users: where the key lives
    path: Path | None  # the key file, when the key came from one
    generated: bool  # True the first time a key file is created


class Vault:
    def __init__(self, keys: list[bytes], source: KeySource):
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        self.source = source

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise WrongEncryptionKey(self.source.description) from None

    def __repr__(self) -> str:
        return f"Vault(source={self.source.description!r})"


def mask(secret: str | None, last4: str | None = None) -> str:
    """The only form in which a saved secret is ever shown."""
    tail = last4 if last4 is not None else (secret or "")[-4:]
    return f"••••{tail}" if tail else _("(not set)")


def _parse_keys(variable: str, raw: str) -> list[bytes]:
    keys = [part.strip().encode("ascii", "replace") for part in raw.split(",") if part.strip()]
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                variable,
                _("is not a valid encryption key (it must be 32 bytes, url-safe base64, 44 characters)."),
                _("Generate one with: python -m core keygen"),
            ) from None
    return keys


def load_vault(settings: Settings) -> Vault:
    if settings.secret_key:
        keys = _parse_keys("STORE_CONNECT_SECRET_KEY", settings.secret_key)
        return Vault(keys, KeySource("the STORE_CONNECT_SECRET_KEY variable", None, False))

    path = settings.key_file
    generated = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Fernet.generate_key()
        # O_EXCL: two processes starting together must not both write a key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(key + b"\n")
            generated = True
    try:
        raw = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("STORE_CONNECT_KEY_FILE", _("the key file {path} cannot be read ({error}).", path=path, error=exc.__class__.__name__),
                          _("Check the file's owner and permissions, or restore it from backup.")) from None
    keys = _parse_keys("STORE_CONNECT_KEY_FILE", raw)
    if path.stat().st_mode & 0o077:
        try:
            os.chmod(path, 0o600)
        except OSError:  # a read-only mount (a Kubernetes Secret is 0644 by default) or another owner's file: still usable
            _log.warning("the key file %s can be read by others and its permissions cannot be changed here; "
                         "make it readable by its owner only (for a Kubernetes Secret, defaultMode: 0400)", path)
    return Vault(keys, KeySource(f"the key file {path}", path, generated))


def check_key_setting(settings: Settings) -> None:
    """Raise ConfigError if STORE_CONNECT_SECRET_KEY is set but is not a usable key; reads and writes nothing else.

    Every command checks this at start, whether or not it uses the key: a bad setting is reported at once,
    not when a secret is first needed.
    """
    if settings.secret_key:
        _parse_keys("STORE_CONNECT_SECRET_KEY", settings.secret_key)


class KeyCheckMissing(StoreConnectError):
    def __init__(self, source: str):
        super().__init__(
            _("The database has saved secrets but no record of the key they were encrypted with, and the encryption key "
              "({source}) cannot read them. Nothing was changed.", source=source),
            _("Restore the original key from your backup: the key file (STORE_CONNECT_KEY_FILE, by default data/secret.key) "
              "or the value of STORE_CONNECT_SECRET_KEY, then start again. Do not delete the database."),
        )


def verify_key(vault: Vault, engine: Engine) -> None:
    """Refuse to run with a key that cannot read what is already saved, and never write a check it has not passed.

    Without this, a new key would quietly encrypt new secrets while old ones became unreadable, leaving a
    database no single key can open. The check row is written only for a database with no encrypted secret
    yet, or once this key has read every one of them (the row was lost, e.g. a restore of some tables): a key
    that cannot read them is refused and the row stays missing, so the right key still works afterwards.
    """
    with session_scope(engine) as session:
        check = session.exec(select(EncryptionCheck).order_by(col(EncryptionCheck.id))).first()
        if check is None:
            if not _reads_every_secret(vault, session):
                raise KeyCheckMissing(vault.source.description)
            session.add(EncryptionCheck(ciphertext=vault.encrypt(_CHECK_PLAINTEXT.decode())))
            return
    if vault.decrypt(check.ciphertext) != _CHECK_PLAINTEXT.decode():
        raise WrongEncryptionKey(vault.source.description)


def _encrypted_columns() -> list[Column[Any]]:
    """Every column holding something the vault encrypted: by convention, its name ends in `ciphertext`."""
    return [column for table in SQLModel.metadata.sorted_tables if table.name != EncryptionCheck.__tablename__
            for column in table.columns if column.name.endswith("ciphertext")]


def _reads_every_secret(vault: Vault, session: Session) -> bool:
    for column in _encrypted_columns():
        for (ciphertext,) in session.execute(sa_select(column).where(column != "")):
            try:
                vault.decrypt(ciphertext)
            except WrongEncryptionKey:
                return False
    return True
