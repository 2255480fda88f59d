"""What the fake sends back: an Answer, its JSON, XML and HTML encodings, and Accept negotiation."""
from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    # Fault injection (fake_walmart/faults.py): a body produced piece by piece (never held whole), a whole
    # answer sent one byte per `drip` seconds, or the connection reset instead of any answer.
    stream: Iterable[bytes] | None = None
    drip: float = 0.0
    reset: bool = False


def json_answer(status: int, payload: Any) -> Answer:
    return Answer(status, json.dumps(payload).encode("utf-8"), {"Content-Type": "application/json"})


def xml_answer(status: int, document: str) -> Answer:
    return Answer(status, document.encode("utf-8"), {"Content-Type": "application/xml"})


def xml_error(answer: Answer) -> Answer:
    """A gateway error envelope (§4.1) as Walmart sends it in XML, with its ns2: prefix; other answers unchanged."""
    try:
        envelope = json.loads(answer.body)
    except ValueError:
        return answer
    entries = envelope.get("error") if isinstance(envelope, dict) else None
    if not isinstance(entries, list):
        return answer
    parts = []
    for entry in entries:
        fields = "".join(f"<ns2:{name}>{escape(str(entry.get(name, '')))}</ns2:{name}>"
                         for name in ("code", "field", "description", "info", "severity", "category"))
        parts.append(f"<ns2:error>{fields}<ns2:causes/><ns2:errorIdentifiers/></ns2:error>")
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<ns2:errors xmlns:ns2="http://walmart.com/">{"".join(parts)}</ns2:errors>')
    headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-type"}
    return Answer(answer.status, document.encode("utf-8"), {**headers, "Content-Type": "application/xml"})


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
