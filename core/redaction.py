"""One gate for text that comes from outside (gateway bodies, OAuth redirects, webhook errors) before it
is stored, logged, shown or sent: secrets taken out, control characters dropped, length bounded.

A gateway or proxy may echo the request it received, so anything shaped like credentials goes:
Basic and Bearer authorization values, access/refresh tokens and client secrets written as
`name=value` or `"name": "value"`, JWT/JWE-shaped tokens, and every secret the caller knows of
(also in the base64 `id:secret` form a Basic header carries).
"""
from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

HIDDEN: Final = "[hidden]"
OUTSIDE_TEXT_LIMIT: Final = 500  # characters kept of any one outside text

_AUTH_VALUE = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{4,}")
_NAMED_SECRET = re.compile(
    r"""(?ix)
    (?P<name>["']?(?:access[_-]?token|refresh[_-]?token|id[_-]?token|client[_-]?secret|secret|password
               |authorization|wm_sec\.access_token)["']?)
    (?P<sep>\s*[:=]\s*["']?)
    (?!(?:basic|bearer)\s)(?P<value>[^\s"'&,;}<]{4,})
    """
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every credential-shaped part and every known secret replaced by HIDDEN."""
    for secret in _known_forms(secrets):
        text = text.replace(secret, HIDDEN)
    text = _AUTH_VALUE.sub(lambda match: f"{match.group(1)} {HIDDEN}", text)
    text = _NAMED_SECRET.sub(lambda match: f"{match.group('name')}{match.group('sep')}{HIDDEN}", text)
    return _JWT.sub(HIDDEN, text)


def outside_text(value: object, secrets: Iterable[str] = (), limit: int = OUTSIDE_TEXT_LIMIT) -> str:
    """Outside text made safe to keep and show: redacted, on one line of printable characters, at most `limit` long."""
    text = str(value)[: limit * 4]  # bound the work before the patterns run; a secret cut here is cut again below
    text = " ".join(_CONTROL.sub(" ", redact(text, secrets)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def url_host(url: str | None) -> str:
    """Only the host of an address, for messages: a webhook's path and query often hold its token."""
    if not url:
        return ""
    try:
        return urlsplit(url).hostname or "(an address that could not be read)"
    except ValueError:
        return "(an address that could not be read)"


def _known_forms(secrets: Iterable[str]) -> list[str]:
    """Each secret (at least 4 characters), and the base64 of every `id:secret` pair a Basic header could carry."""
    values = sorted({secret for secret in secrets if secret and len(secret) >= 4}, key=len, reverse=True)
    pairs = [base64.b64encode(f"{a}:{b}".encode()).decode() for a in values for b in values if a != b]
    return pairs + values
