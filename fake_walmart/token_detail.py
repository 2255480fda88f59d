"""GET /v3/token/detail (§2): what an access token may do."""
from __future__ import annotations

from typing import Any

from fake_walmart.answers import Answer, json_answer
from fake_walmart.auth import authenticate
from fake_walmart.server import Credentials, ReceivedRequest
from fake_walmart.state import GatewayState

DETAIL_PATH = "/v3/token/detail"


def token_detail(state: GatewayState, req: ReceivedRequest, basic: Credentials | None) -> Answer:
    record = authenticate(state, req, basic)
    if isinstance(record, Answer):
        return record
    detail: dict[str, Any] = {
        "expire_at": str(int(record.expires_at * 1000)),
        "issued_at": str(int(record.issued_at * 1000)),
        "is_valid": True,
        "scopes": dict(record.scopes),
    }
    channel_match = True if record.grant else record.seller_key.is_channel_match
    if channel_match is not None:
        detail["is_channel_match"] = channel_match
    return json_answer(200, detail)
