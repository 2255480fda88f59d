"""Answers a test queues (queue_response) ahead of the gateway's own logic, and ready-made ones Walmart gives."""
from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from fake_walmart.answers import HTML_TYPE, Answer


@dataclass
class CannedAnswer:
    answer: Answer
    delay: float
    remaining: int
    after: int = 0  # requests to the path let through to the gateway before this answer is given (a 429 mid-paging)


def canned_answer(status: int, body: Any, headers: dict | None, delay: float, times: int, after: int = 0) -> CannedAnswer:
    """body: a dict or list (sent as JSON), str or bytes (sent as HTML unless headers say otherwise), or None."""
    headers = dict(headers or {})
    has_type = any(k.lower() == "content-type" for k in headers)
    if isinstance(body, (dict, list)):
        raw = json.dumps(body).encode("utf-8")
        if not has_type:
            headers["Content-Type"] = "application/json"
    elif isinstance(body, (str, bytes)):
        raw = body.encode("utf-8") if isinstance(body, str) else body
        if not has_type:
            headers["Content-Type"] = HTML_TYPE
    elif body is None:
        raw = b""
    else:
        raise TypeError("body must be a dict, list, str, bytes or None")
    if times < 1:
        raise ValueError("times must be at least 1")
    if after < 0:
        raise ValueError("after must be 0 or more")
    return CannedAnswer(Answer(status, raw, headers), delay, times, after)


class CannedAnswers:
    """Queues per (environment, path), each answer given `times` times in order. Callers hold the gateway's lock."""

    def __init__(self) -> None:
        self._queues: dict[tuple[str, str], deque[CannedAnswer]] = {}

    def add(self, environment: str, path: str, canned: CannedAnswer) -> None:
        self._queues.setdefault((environment, path), deque()).append(canned)

    def take(self, environment: str, path: str) -> CannedAnswer | None:
        queue = self._queues.get((environment, path))
        if not queue:
            return None
        canned = queue[0]
        if canned.after > 0:
            canned.after -= 1
            return None
        canned.remaining -= 1
        if canned.remaining <= 0:
            queue.popleft()
        return canned


def rate_limited_answer(retry_in_seconds: float, header_spelling: str = "x-next-replenishment-time") -> dict:
    """kwargs for queue_response: a 429 with the throttle headers (§4.4; both spellings exist in the wild)."""
    names = {"x-next-replenishment-time": "X-Next-Replenishment-Time", "x-next-replenish-time": "X-Next-Replenish-Time"}
    if header_spelling.lower() not in names:
        raise ValueError(f"header_spelling must be one of {sorted(names)}")
    replenish_ms = int((time.time() + retry_in_seconds) * 1000)
    return {
        "status": 429,
        "body": {"errors": [{
            "code": "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API",
            "field": "REQUEST_THRESHOLD_VIOLATED",
            "description": "Too many requests",
            "info": "The request rate limit for this API was exceeded.",
            "severity": "ERROR",
            "category": "REQUEST",
            "causes": [],
            "errorIdentifiers": {},
        }]},
        "headers": {"X-Current-Token-Count": "0", names[header_spelling.lower()]: str(replenish_ms)},
    }


def server_error_answer(status: int = 503, html: bool = False) -> dict:
    """kwargs for queue_response: what an unreachable gateway gives, i.e. no JSON at all (§4.1)."""
    if not html:
        return {"status": status, "body": None}
    page = f"<html><head><title>{status} Service Unavailable</title></head><body><h1>{status}</h1></body></html>"
    return {"status": status, "body": page, "headers": {"Content-Type": HTML_TYPE}}
