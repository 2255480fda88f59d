"""GET /v3/settings/partnerprofile (§11): who the seller behind a token is."""
from __future__ import annotations

import hashlib

from fake_walmart.answers import Answer, json_answer
from fake_walmart.auth import authenticate
from fake_walmart.server import Credentials, ReceivedRequest
from fake_walmart.state import GatewayState

PROFILE_PATH = "/v3/settings/partnerprofile"


def partner_profile(state: GatewayState, req: ReceivedRequest, basic: Credentials | None) -> Answer:
    record = authenticate(state, req, basic, business=True)
    if isinstance(record, Answer):
        return record
    # No scope check: §11 leaves the scope this call needs UNCONFIRMED.
    if record.grant:
        partner_id, name = record.grant.seller.seller_id, record.grant.seller.partner_name
    else:
        # A stable made-up seller ID for keys added without one, so profiles still differ per key.
        key = record.seller_key
        digest = int(hashlib.sha256(key.client_id.encode()).hexdigest(), 16)
        partner_id = key.seller_id or str(10**8 + digest % (9 * 10**8))
        name = key.partner_name
    name = name or f"Seller {partner_id}"
    return json_answer(200, {
        "partner": {
            "partnerId": partner_id, "partnerName": name, "partnerDisplayName": name, "partnerStoreId": partner_id,
            "businessRegNumber": "FAKE-TAX-ID-0000",  # sensitive in real life: present so tests can check it is never shown
            "countryOfIncorporation": "US",
        },
        "configurations": [{"configurationName": "ACCOUNT", "configuration": {"status": "ACTIVE"}}],
    })
