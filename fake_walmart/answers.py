"""What the fake sends back: an Answer, its JSON, XML and HTML encodings, and Accept negotiation."""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)


def json_answer(status: int, payload: Any) -> Answer:
    return Answer(status, json.dumps(payload).encode("utf-8"), {"Content-Type": "application/json"})


def xml_answer(status: int, document: str) -> Answer:
    return Answer(status, document.encode("utf-8"), {"Content-Type": "application/xml"})


def html_answer(status: int, page: str) -> Answer:
    return Answer(status, page.encode("utf-8"), {"Content-Type": HTML_TYPE})


def html_message(status: int, title: str, message: str) -> Answer:
    """A bare page showing title and message, both escaped."""
    return html_answer(status, f"<html><head><title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
                               f"<p>{html.escape(message, quote=False)}</p></body></html>")


def media_quality(accept: str, media_type: str) -> float:
    """q-value the Accept header gives media_type, using the most specific matching range (RFC 9110)."""
    kind = media_type.split("/")[0]
    best_rank, best_q = -1, 0.0
    for item in accept.split(","):
        parts = [p.strip() for p in item.split(";")]
        rng = parts[0].lower()
        q = 1.0
        for param in parts[1:]:
            name, _, val = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        rank = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(rng, -1)
        if rank > best_rank:
            best_rank, best_q = rank, q
    return best_q if best_rank >= 0 else 0.0


def accept_ranges(header: str | None) -> str:
    """The Accept header to negotiate with: absent or blank means anything."""
    return (header or "").strip() or "*/*"
