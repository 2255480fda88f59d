"""SQLModel tables, one module per area. Importing this package registers them all."""
from core.models.base import utc_now
from core.models.store import (
    AuthorizationCheck,
    Credential,
    CredentialKind,
    EncryptionCheck,
    Environment,
    Store,
)

__all__ = [
    "AuthorizationCheck",
    "Credential",
    "CredentialKind",
    "EncryptionCheck",
    "Environment",
    "Store",
    "utc_now",
]
