"""Faults a hostile gateway or proxy could produce, for tests that the client holds under them.

  echo    an error whose every field echoes the request: its headers (Authorization, WM_SEC.ACCESS_TOKEN,
          WM_PARTNER.ID ...) and its body (client secret, refresh token, code)
  drip    an error answer sent one byte per `interval` seconds, status line and headers included
  reset   the connection reset (TCP RST) instead of any answer
  nested  a JSON body of 100,000 "[" (on 200 by default: an answer the client cannot read)
  huge    an error body of `size` bytes, generated as it is sent and never held in memory
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from fake_walmart.answers import Answer
from fake_walmart.errors import error, unauthorized
from fake_walmart.server import ReceivedRequest

FAULT_MODES = ("echo", "drip", "reset", "nested", "huge")
NESTING = 100_000
HUGE_SIZE = 20 * 1024 * 1024
_CHUNK = 64 * 1024
_DEFAULT_STATUS = {"echo": 401, "drip": 401, "reset": 0, "nested": 200, "huge": 400}


@dataclass
class Fault:
    mode: str
    environment: str | None  # None: both
    path: str | None  # None: every path
    remaining: int | None  # None: until cleared
    status: int
    interval: float = 1.0  # drip: seconds per byte
    size: int = HUGE_SIZE  # huge: bytes of body

    def matches(self, req: ReceivedRequest) -> bool:
        return self.environment in (None, req.environment) and self.path in (None, req.path)


def new_fault(mode: str, environment: str | None, path: str | None, times: int | None, status: int | None,
              interval: float, size: int) -> Fault:
    if mode not in FAULT_MODES:
        raise ValueError(f"mode must be one of {FAULT_MODES}, not {mode!r}")
    if times is not None and times < 1:
        raise ValueError("times must be at least 1 (or None for until cleared)")
    return Fault(mode, environment, path, times, _DEFAULT_STATUS[mode] if status is None else status, interval, size)


def fault_answer(fault: Fault, req: ReceivedRequest) -> Answer:
    if fault.mode == "echo":
        return _echo(fault.status, req)
    if fault.mode == "drip":
        answer = unauthorized() if fault.status == 401 else error(fault.status, "SYSTEM_ERROR.GMP_GATEWAY_API", "SYSTEM_ERROR",
                                                                  "System error", "Please try again later.", category="SYSTEM")
        answer.drip = fault.interval
        return answer
    if fault.mode == "reset":
        return Answer(0, reset=True)
    if fault.mode == "nested":
        return Answer(fault.status, b"[" * NESTING, {"Content-Type": "application/json"})
    return _huge(fault.status, fault.size)


def _echo(status: int, req: ReceivedRequest) -> Answer:
    """What a debugging proxy or a careless gateway does: put the request it received into the error."""
    headers = "; ".join(f"{name}: {value}" for name, value in req.headers.items())
    authorization = req.header("Authorization") or req.header("WM_SEC.ACCESS_TOKEN") or ""
    return error(status, f"UNAUTHORIZED.GMP_GATEWAY_API {authorization}", req.header("WM_SEC.ACCESS_TOKEN") or req.body,
                 f"Request headers were: {headers}", f"Request body was: {req.body} {json.dumps(req.form)}")


def _huge(status: int, size: int) -> Answer:
    head = b'{"error":[{"code":"SYSTEM_ERROR.GMP_GATEWAY_API","field":"SYSTEM_ERROR","description":"'
    tail = b'","info":"huge","severity":"ERROR","category":"SYSTEM","causes":[],"errorIdentifiers":{}}]}'
    filler = max(0, size - len(head) - len(tail))

    def pieces() -> Iterator[bytes]:
        yield head
        left = filler
        block = b"A" * _CHUNK
        while left > 0:
            yield block[:min(_CHUNK, left)]
            left -= _CHUNK
        yield tail

    return Answer(status, b"", {"Content-Type": "application/json", "Content-Length": str(len(head) + filler + len(tail))},
                  stream=pieces())
