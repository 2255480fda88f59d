"""SQLModel tables, one module per area. Importing this package registers them all."""
from core.models.audit import AuditEntry
from core.models.base import utc_now
from core.models.catalog import CatalogProduct, MappingComponent, StoreMappingVersion
from core.models.fleet import CachedToken, StatusEvent
from core.models.oauth import ConnectRequest, OAuthApp
from core.models.store import (
    AuthorizationCheck,
    Credential,
    CredentialKind,
    CredentialState,
    EncryptionCheck,
    Environment,
    Store,
    StoreHealth,
)

__all__ = [
    "AuditEntry",
    "CachedToken",
    "ConnectRequest",
    "OAuthApp",
    "StatusEvent",
    "AuthorizationCheck",
    "CatalogProduct",
    "Credential",
    "CredentialKind",
    "CredentialState",
    "EncryptionCheck",
    "Environment",
    "MappingComponent",
    "Store",
    "StoreHealth",
    "StoreMappingVersion",
    "utc_now",
]
