"""Local stand-in for Walmart's Marketplace auth gateway, for tests and demo mode."""
from fake_walmart.control import (
    ENVIRONMENTS,
    SCOPES,
    FakeWalmart,
    ReceivedRequest,
    rate_limited_answer,
    server_error_answer,
)

__all__ = ["ENVIRONMENTS", "SCOPES", "FakeWalmart", "ReceivedRequest", "rate_limited_answer", "server_error_answer"]
