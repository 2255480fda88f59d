"""One gate for text that comes from outside (gateway bodies, OAuth redirects, webhook errors) before it
is stored, logged, shown or sent: secrets taken out, control characters dropped, length bounded.

A gateway or proxy may echo the request it received, so anything shaped like credentials goes:
Basic and Bearer authorization values, access/refresh tokens and client secrets written as
`name=value` or `"name": "value"`, JWT/JWE-shaped tokens, and every secret the caller knows of
(also in the base64 `id:secret` form a Basic header carries). Of a known secret, any run of
FRAGMENT characters goes too, as written, percent-encoded or base64-encoded: an echo split across
two error items, cut at a length limit or encoded on the way still shows none of it.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from functools import cached_property
from typing import Final
from urllib.parse import quote, urlsplit

HIDDEN: Final = "[hidden]"
OUTSIDE_TEXT_LIMIT: Final = 500  # characters kept of any one outside text
FRAGMENT: Final = 8  # this many characters in a row of a known secret (or of its encodings) are hidden

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


class KnownSecrets:
    """The secrets a caller knows of, and the forms they may take in outside text, worked out once for many texts."""

    def __init__(self, secrets: Iterable[str] = ()):
        self.values = sorted({secret for secret in secrets if secret and len(secret) >= 4}, key=len, reverse=True)
        # Replaced whole: each secret, and the base64 of every `id:secret` pair a Basic header could carry.
        self.whole = [base64.b64encode(f"{a}:{b}".encode()).decode() for a in self.values for b in self.values if a != b] + self.values

    @cached_property
    def fragments(self) -> frozenset[str]:
        """Every run of FRAGMENT characters of every form of every secret (built on first use: most texts are short)."""
        forms = {form for secret in self.values for form in _encoded_forms(secret) if len(form) >= FRAGMENT}
        return frozenset(form[start:start + FRAGMENT] for form in forms for start in range(len(form) - FRAGMENT + 1))


def _encoded_forms(secret: str) -> set[str]:
    """`secret` as written, percent-encoded (upper- and lower-case hex) and base64-encoded at each of the three
    alignments it can have inside a longer encoded text (standard and URL-safe alphabets)."""
    percent = quote(secret, safe="")
    forms = {secret, percent, re.sub(r"%[0-9A-F]{2}", lambda code: code.group().lower(), percent)}
    data = secret.encode()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode()
        # Only the characters that depend on the secret's bytes alone, whatever precedes or follows it.
        core = encoded[4 * -(-shift // 3): 4 * ((shift + len(data)) // 3)]
        forms |= {core, core.translate(_URL_SAFE)}
    return forms


_URL_SAFE = str.maketrans("+/", "-_")


def redact(text: str, secrets: Iterable[str] | KnownSecrets = ()) -> str:
    """`text` with every credential-shaped part and every known secret replaced by HIDDEN."""
    known = secrets if isinstance(secrets, KnownSecrets) else KnownSecrets(secrets)
    for secret in known.whole:
        text = text.replace(secret, HIDDEN)
    text = _hide_fragments(text, known)
    text = _AUTH_VALUE.sub(lambda match: f"{match.group(1)} {HIDDEN}", text)
    text = _NAMED_SECRET.sub(lambda match: f"{match.group('name')}{match.group('sep')}{HIDDEN}", text)
    return _JWT.sub(HIDDEN, text)


def _hide_fragments(text: str, known: KnownSecrets) -> str:
    """Each stretch of `text` made of runs of FRAGMENT characters found in a known secret's forms, as one HIDDEN."""
    if len(text) < FRAGMENT or not known.values:
        return text
    fragments = known.fragments
    hidden = bytearray(len(text))
    for start in range(len(text) - FRAGMENT + 1):
        if text[start:start + FRAGMENT] in fragments:
            hidden[start:start + FRAGMENT] = b"\1" * FRAGMENT
    if not any(hidden):
        return text
    kept: list[str] = []
    for position, character in enumerate(text):
        if not hidden[position]:
            kept.append(character)
        elif position == 0 or not hidden[position - 1]:
            kept.append(HIDDEN)
    return "".join(kept)


def outside_text(value: object, secrets: Iterable[str] | KnownSecrets = (), limit: int = OUTSIDE_TEXT_LIMIT) -> str:
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
