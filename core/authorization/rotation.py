"""A refresh token Walmart rotates is kept: encrypted, in place of the old one, with a new expiry date.

Walmart's spec shows no new refresh token on the refresh grant (walmart-orders-markets.md §4.6), but if an
answer carries one, the old token may stop working at once; losing the new one would leave the store unable
to authorize until the seller connects it again. So it is written the moment the grant returns, in a short
transaction of its own, before anything else of the check runs (a check abandoned at its deadline keeps it too).
"""
from __future__ import annotations

import logging

from sqlmodel import col, select

from core.db.models import Credential, CredentialKind, CredentialState, utc_now
from core.runtime import Runtime
from core.stores.credential import SellerGrant
from core.walmart.client import REFRESH_TOKEN_LIFETIME

log = logging.getLogger(__name__)


def keep_rotated_refresh_token(runtime: Runtime, grant: SellerGrant, new_token: str) -> int:
    """Replace `grant`'s refresh token with `new_token` wherever it is saved (the active authorization, or one
    waiting to be switched to); returns how many were replaced. A credential whose token changed meanwhile
    (a re-connect) is left alone: it is not the one Walmart rotated."""
    replaced = 0
    with runtime.transaction() as session:
        candidates = session.exec(
            select(Credential).where(
                Credential.kind == CredentialKind.oauth_seller,
                Credential.client_id == grant.app_id,
                Credential.seller_id == grant.seller_id,
                col(Credential.state).in_((CredentialState.active, CredentialState.pending)),
            )
        ).all()
        for credential in candidates:
            if runtime.vault.decrypt(credential.secret_ciphertext) != grant.refresh_token:
                continue
            credential.secret_ciphertext = runtime.vault.encrypt(new_token)
            credential.secret_last4 = new_token[-4:]
            credential.secret_expires_at = utc_now() + REFRESH_TOKEN_LIFETIME
            session.add(credential)
            replaced += 1
    if replaced:
        log.info("Walmart rotated the refresh token of seller %s; the new one is saved", grant.seller_id)
    return replaced
