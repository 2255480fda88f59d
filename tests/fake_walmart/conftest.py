import base64

import pytest

from fake_walmart import FakeWalmart

CID, SECRET = "c7291c6b-7290-4e4a-9b0e-1f2d3c4b5a69", "s3cr3t-Value_xyz"
SB_CID, SB_SECRET = "0a1b2c3d-0000-4000-8000-123456789abc", "sandbox-secret"
# An OAuth app and its seller for tests that meet them in passing (test_oauth.py has its own).
APP_ID, APP_SECRET, REDIRECT, SELLER = "app-1", "app-secret", "http://localhost:8501/callback", "456782346"


def basic(cid=CID, secret=SECRET):
    return "Basic " + base64.b64encode(f"{cid}:{secret}".encode("utf-8")).decode()


@pytest.fixture
def gw():
    with FakeWalmart() as gateway:
        gateway.add_key("production", CID, SECRET)
        gateway.add_key("sandbox", SB_CID, SB_SECRET)
        yield gateway
