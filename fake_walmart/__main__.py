"""Run the fake gateway by hand: python -m fake_walmart --keys keys.json [--latency 0.05].

The --keys file is either a JSON list of keys (keys only, the original format) or an object whose
sections are all optional:

    {
      "keys":    [{"environment": "production", "client_id": "...", "client_secret": "...",
                   "scopes": {"item": "view_only"}, "is_channel_match": true, "token_lifetime": 900,
                   "seller_id": "101", "partner_name": "Acme Outdoor", "market": "us"}],
      "apps":    [{"client_id": "...", "client_secret": "...", "redirect_uri": "http://localhost:8501/callback"}],
      "sellers": [{"seller_id": "456782346", "scopes": {...}, "partner_name": "Acme Outdoor"}],
      "default_seller": "456782346",
      "items":   {"production": {"<client_id or seller_id>": [{"sku": "A-1", "productName": "Tent"}]},
                  "sandbox": {...}},
      "orders":  {"production": {"<client_id or seller_id>": [<orders as /v3/orders sends them, see samples.order>]}}
    }

Only environment, client_id, client_secret (keys), client_id, client_secret, redirect_uri (apps),
seller_id (sellers), sku (items) and purchaseOrderId, orderDate, orderLines (orders) are required. Apps and sellers are production-only (OAuth is
US production); the seller login page is printed as "authorize: <url>" when apps are loaded.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from fake_walmart.auth import REJECTION_STYLES
from fake_walmart.control import FakeWalmart
from fake_walmart.state import ENVIRONMENTS


def _each(path: Path, what: str, entries, add) -> int:
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a JSON list of {what}s")
    for number, entry in enumerate(entries, 1):
        try:
            add(entry)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: {what} #{number} is unusable ({exc})") from exc
    return len(entries)


def load_keys(gateway: FakeWalmart, path: Path) -> int:
    """Load the keys file (format in the module docstring) into the gateway; returns how many keys were added."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        data = {"keys": data}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON list of keys or an object with keys/apps/sellers/items")
    unknown = set(data) - {"keys", "apps", "sellers", "default_seller", "items", "orders"}
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {sorted(unknown)}")
    count = _each(path, "key", data.get("keys", []), lambda e: gateway.add_key(
        e["environment"], e["client_id"], e["client_secret"],
        scopes=e.get("scopes"),
        is_channel_match=e.get("is_channel_match", True),
        token_lifetime=e.get("token_lifetime", 900),
        seller_id=e.get("seller_id"), partner_name=e.get("partner_name"), market=e.get("market", "us"),
    ))
    _each(path, "app", data.get("apps", []),
          lambda e: gateway.register_app(e["client_id"], e["client_secret"], e["redirect_uri"]))
    _each(path, "seller", data.get("sellers", []), lambda e: gateway.add_seller(
        e["seller_id"], scopes=e.get("scopes"), partner_name=e.get("partner_name")))
    gateway.default_seller = data.get("default_seller")
    for section, put in (("items", gateway.set_items), ("orders", gateway.set_orders)):
        entries = data.get(section, {})
        if not isinstance(entries, dict):
            raise ValueError(f"{path}: {section} must be an object of environment -> owner -> list of {section}")
        for env, owners in entries.items():
            try:
                if env not in ENVIRONMENTS:
                    raise ValueError(f"environment must be one of {ENVIRONMENTS}")
                for owner, listing in owners.items():
                    put(env, owner, listing)
            except (AttributeError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}: {section} for {env!r} are unusable ({exc})") from exc
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fake_walmart", description="Fake Walmart gateway on 127.0.0.1.")
    parser.add_argument("--keys", type=Path, required=True,
                        help="JSON list of {environment, client_id, client_secret, scopes, is_channel_match}, "
                             "or an object with keys/apps/sellers/items sections (see the module docstring)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--orders-latency", type=float, nargs=2, default=(0.0, 0.0), metavar=("LEAST", "MOST"),
                        help="seconds each /v3/orders page takes, at random between the two")
    parser.add_argument("--port-production", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-sandbox", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--rejection-style", choices=REJECTION_STYLES, default="gateway")
    args = parser.parse_args(argv)

    gateway = FakeWalmart(latency=args.latency, ports={"production": args.port_production, "sandbox": args.port_sandbox})
    gateway.rejection_style = args.rejection_style
    try:
        gateway.orders_latency = (args.orders_latency[0], args.orders_latency[1])
        count = load_keys(gateway, args.keys)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with gateway:
        for env in ENVIRONMENTS:
            print(f"{env}: {gateway.base_url(env)}", flush=True)
        if gateway.has_apps:
            print(f"authorize: {gateway.authorize_url()}", flush=True)
        print(f"{count} key(s) loaded; press Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
