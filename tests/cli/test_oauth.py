"""`python -m core oauth ...`: duplicates refused with exit 6 until allowed, a re-connect verified again."""
import json

from cli.main import main
from core.db.engine import session_scope
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.core.oauth.conftest import SELLER, connected  # noqa: F401  (the fixture)


def run(runtime, capsys, *argv):
    code = main(list(argv), runtime_factory=lambda: runtime)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_look_alike_new_store_and_a_seller_on_another_store_exit_6(connected, gateway, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("STORE_CONNECT_OPERATOR", "night-shift")
    with session_scope(connected.engine) as session:
        stores.add_store(session, connected.vault, actor=ADMIN, name="Harbor Tools", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    code, _, err = run(connected, capsys, "oauth", "connect", "--new", "harbor TOOLS")
    assert code == 6 and "Harbor Tools" in err and "--allow-duplicate" in err

    code, out, _ = run(connected, capsys, "oauth", "connect", "--new", "Harbor Outlet", "--json")
    first = gateway.approve(json.loads(out)["url"], SELLER)
    assert run(connected, capsys, "oauth", "complete", first)[0] == 0

    code, out, _ = run(connected, capsys, "oauth", "connect", "--new", "Harbor Annex", "--json")
    second = gateway.approve(json.loads(out)["url"], SELLER)
    code, out, err = run(connected, capsys, "oauth", "complete", second, "--json")
    assert code == 6 and json.loads(out)["duplicates"][0]["store"] == "Harbor Outlet" and SELLER in err
    assert len(gateway.token_requests(grant_type="authorization_code")) == 1  # the second code was not spent
    code, out, _ = run(connected, capsys, "oauth", "complete", second, "--allow-duplicate", "--json")
    assert code == 0 and json.loads(out)["store"] == "Harbor Annex" and json.loads(out)["state"] == "connected"


def test_verify_again_swaps_a_reconnect_in(connected, gateway, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("STORE_CONNECT_OPERATOR", "night-shift")
    code, out, _ = run(connected, capsys, "oauth", "connect", "--new", "Harbor Outlet", "--json")
    assert run(connected, capsys, "oauth", "complete", gateway.approve(json.loads(out)["url"], SELLER))[0] == 0
    gateway.revoke_seller(SELLER)
    gateway.add_seller(SELLER)
    code, out, _ = run(connected, capsys, "oauth", "connect", "--store", "Harbor Outlet", "--json")
    gateway.queue_response("production", "/v3/token/detail", 503, times=3)
    code, out, _ = run(connected, capsys, "oauth", "complete", gateway.approve(json.loads(out)["url"], SELLER))
    assert code == 1 and "keeps its previous one" in out and "oauth verify --store 'Harbor Outlet'" in out
    code, out, _ = run(connected, capsys, "oauth", "verify", "--store", "Harbor Outlet")
    assert code == 0 and "replaced the previous one" in out
    code, out, _ = run(connected, capsys, "stores", "check", "Harbor Outlet")
    assert code == 0
