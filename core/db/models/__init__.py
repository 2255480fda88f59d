"""SQLModel tables, one module per area. Importing this package registers them all."""
from core.db.models.audit import AuditEntry
from core.db.models.base import MAX_ID, saved_id, table_of, utc_now
from core.db.models.catalog import ALL_STORES, CatalogProduct, MappingComponent, MappingScope
from core.db.models.fleet import CachedToken, StatusEvent
from core.db.models.history import MappingChange, MappingChangeSet
from core.db.models.oauth import ConnectRequest, OAuthApp
from core.db.models.orders import OrderLine, OrderRead
from core.db.models.pairing import PairingRejection, PairingRuleSet
from core.db.models.pending import PendingConnection, PendingStatus
from core.db.models.store import (
    AuthorizationCheck,
    Credential,
    CredentialKind,
    CredentialState,
    EncryptionCheck,
    Environment,
    Market,
    Store,
    StoreHealth,
)
from core.db.models.views import MAPPING_VIEW

__all__ = [
    "ALL_STORES",
    "MAX_ID",
    "AuditEntry",
    "CachedToken",
    "ConnectRequest",
    "OAuthApp",
    "OrderLine",
    "OrderRead",
    "PairingRejection",
    "PairingRuleSet",
    "PendingConnection",
    "PendingStatus",
    "StatusEvent",
    "AuthorizationCheck",
    "CatalogProduct",
    "Credential",
    "CredentialKind",
    "CredentialState",
    "EncryptionCheck",
    "Environment",
    "Market",
    "MappingChange",
    "MappingChangeSet",
    "MappingComponent",
    "MappingScope",
    "MAPPING_VIEW",
    "Store",
    "StoreHealth",
    "saved_id",
    "table_of",
    "utc_now",
]
