"""Reading what Walmart sends back, within bounds: JSON answers and error bodies in JSON or XML.

A gateway or a proxy in front of it can send anything: a body nested 100,000 levels deep, a document
with entity definitions, text that echoes the request's secrets. So JSON is refused beyond a size and a
nesting depth before it is parsed (and a RecursionError is still caught), XML with a DOCTYPE or entity
declarations is never parsed, and every piece of error text passes core.redaction before it leaves here.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from core.redaction import KnownSecrets, outside_text

MAX_JSON_DEPTH: Final = 64  # Walmart's deepest documented answer (an item's variant group) is 5 levels
MAX_PARSE_CHARS: Final = 16 * 1024 * 1024  # nothing larger is parsed, whatever the caller's cap
MAX_ERROR_ITEMS: Final = 10
CODE_LIMIT: Final = 120  # characters kept of an error code or field name

# For nesting_ok: what is left of JSON text once every ASCII character but brackets and quotes is deleted.
_BRACKETS_AND_QUOTES = str.maketrans("", "", "".join(chr(code) for code in range(128) if chr(code) not in '[]{}"'))
_XML_DECLARATIONS = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_PREFIX = re.compile(r"(</?|\s)[A-Za-z_][\w.-]*:(?=[A-Za-z_])")
_XML_NAMESPACE_DECLARATION = re.compile(r"\sxmlns(?::[\w.-]+)?\s*=\s*(?:\"[^\"]*\"|'[^']*')")


class UnreadableBody(ValueError):
    """A body that is not JSON, is too large, or nests too deep to be parsed safely."""


@dataclass(frozen=True)
class ErrorItem:
    """One entry of Walmart's error envelope, already redacted and bounded (safe to store, log and show)."""

    code: str = ""
    field: str = ""
    description: str = ""
    info: str = ""


def nesting_ok(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests at most `limit` arrays/objects deep (brackets inside strings do not count).

    Fast enough for a 500 KB page of orders (about half the time of parsing it): escaped backslashes and quotes go
    first, then every ASCII character but brackets and quotes (str.translate), then the strings (every other piece
    between quotes); the loop runs over the brackets that are left. A match object per bracket cost as much as
    parsing the page."""
    kept = text.replace("\\\\", "").replace('\\"', "").translate(_BRACKETS_AND_QUOTES)
    skeleton = "".join(kept.split('"')[0::2])  # every other piece between quotes is outside the strings
    depth = 0
    for character in skeleton:
        if character in "[{":
            depth += 1
            if depth > limit:
                return False
        elif character in "]}":
            depth -= 1
    return True


def load_json(text: str) -> Any:
    """json.loads, refused beyond MAX_PARSE_CHARS and MAX_JSON_DEPTH. Raises UnreadableBody."""
    if len(text) > MAX_PARSE_CHARS:
        raise UnreadableBody("too large")
    if not nesting_ok(text):
        raise UnreadableBody("nested too deep")
    try:
        return json.loads(text)
    except RecursionError:  # cannot happen after the depth check; kept so no parser limit ever escapes as a crash
        raise UnreadableBody("nested too deep") from None
    except ValueError:
        raise UnreadableBody("not JSON") from None


def parse_error_body(text: str, secrets: Iterable[str] = ()) -> tuple[ErrorItem, ...]:
    """Every error shape Walmart is known to send (walmart-api.md §4.1, §4.3), in JSON or XML; () when the
    body holds none. Each text is redacted (credential shapes and the given `secrets`) and cut to length."""
    known = KnownSecrets(secrets)  # the forms of the secrets are worked out once for every field
    stripped = text.strip()
    if stripped.startswith("<"):
        raw = _xml_entries(stripped)
    else:
        try:
            raw = _json_entries(load_json(stripped))
        except UnreadableBody:
            raw = []
    return tuple(
        ErrorItem(
            code=outside_text(entry.get("code", ""), known, CODE_LIMIT),
            field=outside_text(entry.get("field", ""), known, CODE_LIMIT),
            description=outside_text(entry.get("description", entry.get("message", "")), known),
            info=outside_text(entry.get("info", ""), known),
        )
        for entry in raw[:MAX_ERROR_ITEMS]
    )


def _json_entries(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("error"), str):  # OAuth style: {"error": "invalid_client", "error_description": ...}
        return [{"code": data["error"], "description": data.get("error_description", "")}]
    raw = data.get("error", data.get("errors"))
    if isinstance(raw, dict):  # {"errors": {"error": [...]}} or a single object
        raw = raw.get("error", raw.get("errors", [raw])) if ("error" in raw or "errors" in raw) else [raw]
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    return [{key: _scalar(value) for key, value in entry.items()} for entry in raw if isinstance(entry, dict)]


def _scalar(value: Any) -> str:
    # A nested value is shown as JSON text, never walked: its size was bounded by the caller.
    return value if isinstance(value, str) else json.dumps(value)[:4096] if isinstance(value, (dict, list)) else str(value)


def _xml_entries(text: str) -> list[dict[str, Any]]:
    """<ns2:errors><ns2:error><ns2:code>…</ns2:code>…</ns2:error></ns2:errors>, with or without namespaces.

    Never parses a document that declares a DOCTYPE or entities: no entity expansion, no external entities."""
    if len(text) > MAX_PARSE_CHARS or _XML_DECLARATIONS.search(text):
        return []
    root = _parse_xml(text)
    if root is None:
        return []
    entries: list[dict[str, Any]] = []
    for element in root.iter():
        if _local(element.tag) != "error" or len(element) == 0:
            continue
        fields = {_local(child.tag): (child.text or "").strip() for child in element}
        entries.append({name: fields[name] for name in ("code", "field", "description", "message", "info") if name in fields})
    return entries


def _parse_xml(text: str) -> ElementTree.Element | None:
    try:
        return ElementTree.fromstring(text)
    except ElementTree.ParseError:
        pass
    # Walmart's XML errors use an ns2: prefix that a captured body may show without its declaration:
    # drop the prefixes (and the declarations) and read the element names alone.
    bare = _XML_PREFIX.sub(r"\1", _XML_NAMESPACE_DECLARATION.sub("", text))
    try:
        return ElementTree.fromstring(bare)
    except ElementTree.ParseError:
        return None


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2].lower() if isinstance(tag, str) else ""
