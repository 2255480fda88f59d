"""Run the fake gateway by hand: python -m fake_walmart --keys keys.json [--latency 0.05]."""
from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from fake_walmart.gateway import ENVIRONMENTS, REJECTION_STYLES, FakeWalmart


def load_keys(gateway: FakeWalmart, path: Path) -> int:
    """Add every key in the JSON list to the gateway; returns how many were added."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a JSON list of keys")
    for number, entry in enumerate(entries, 1):
        try:
            gateway.add_key(
                entry["environment"], entry["client_id"], entry["client_secret"],
                scopes=entry.get("scopes"),
                is_channel_match=entry.get("is_channel_match", True),
                token_lifetime=entry.get("token_lifetime", 900),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: key #{number} is unusable ({exc})") from exc
    return len(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fake_walmart", description="Fake Walmart auth gateway on 127.0.0.1.")
    parser.add_argument("--keys", type=Path, required=True, help="JSON list of {environment, client_id, client_secret, scopes, is_channel_match}")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--port-production", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-sandbox", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--rejection-style", choices=REJECTION_STYLES, default="gateway")
    args = parser.parse_args(argv)

    gateway = FakeWalmart(latency=args.latency, ports={"production": args.port_production, "sandbox": args.port_sandbox})
    gateway.rejection_style = args.rejection_style
    try:
        count = load_keys(gateway, args.keys)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with gateway:
        for env in ENVIRONMENTS:
            print(f"{env}: {gateway.base_url(env)}", flush=True)
        print(f"{count} key(s) loaded; press Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
