"""Explain a pasted error: Walmart JSON bodies, codes, HTTP statuses, OAuth strings, header names, log lines.

`explain` reads one error; `explain_all` reads a log excerpt and gives one explanation per error in it, in order,
the same error repeated folded into one (log_lines.py takes the logging off each line).

What each error means, and which codes, headers, statuses and words point to it, is data: data/decoder.toml
(read by decoder_table.py), from Walmart's error tables (shared/reference/walmart-api.md §4 and §8) and its
OAuth flow (§6.4). Which answer to read next comes from the FAQ file. This module holds the rules that read
the text and pick the one meaning that explains it best. Walmart's bodies for a refused authorization code or
refresh token are not documented, so those are also recognised from their wording, whatever code carries
them. Unknown text still gets the closest FAQ answers, never a dead end. Nothing pasted is echoed back: only
names recognised from the table appear in an Explanation.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from http import HTTPStatus
from typing import TypeVar

from core.authorization.outcome import STATUS_TEXT, Status
from core.i18n import _
from core.troubleshooting.decoder_table import Cause, DecoderTable, Meaning, RuleMeaning, RuleWord, load_decoder_table
from core.troubleshooting.faq import Faq, FaqEntry, code_key, load_faq
from core.troubleshooting.log_lines import records, strip_prefix
from core.troubleshooting.search import search
from core.walmart.bodies import UnreadableBody, load_json
from core.walmart.client import ErrorItem, parse_error_body

_T = TypeVar("_T")


@dataclass(frozen=True)
class Explanation:
    recognized: bool
    title: str
    meaning: str
    causes: tuple[Cause, ...]
    steps: tuple[str, ...]
    faq: tuple[FaqEntry, ...]
    found: tuple[str, ...]  # what was recognised, e.g. "HTTP 401", "Walmart code UNAUTHORIZED.GMP_GATEWAY_API"
    http_status: int | None = None
    code: str | None = None
    field: str | None = None
    lines: tuple[int, ...] = ()  # in a log excerpt: the lines this error was found on, from 1

    def to_dict(self) -> dict[str, object]:
        return {
            "recognized": self.recognized,
            "title": self.title,
            "meaning": self.meaning,
            "causes": [{"text": c.text, "faq_id": c.faq_id} for c in self.causes],
            "steps": list(self.steps),
            "faq": [{"id": e.id, "question": e.question} for e in self.faq],
            "found": list(self.found),
            "http_status": self.http_status,
            "code": self.code,
            "field": self.field,
            "lines": list(self.lines),
        }


# --- Reading the text -----------------------------------------------------------------------------

_CODE = re.compile(r"\b([A-Z][A-Z_]{4,})(?:\.([A-Z][A-Z0-9_]*))?\b")
# In any case when it carries the service's name, as in a lower-cased log: unauthorized.gmp_gateway_api
_SERVICE_CODE = re.compile(r"\b[a-z][a-z_]{4,}\.(?:gmp_[a-z0-9_]*|[a-z0-9_]*_api)\b", re.IGNORECASE)
_HEADER = re.compile(r"\b(WM_[A-Za-z]+(?:[._][A-Za-z]+)*)\b", re.IGNORECASE)
_PHRASES = "|".join(sorted({re.escape(s.phrase) for s in HTTPStatus}, key=len, reverse=True))
_HTTP = [
    re.compile(r"^\s*([1-5]\d\d)\s*$"),  # a bare status
    re.compile(r"^\s*([1-5]\d\d)\b(?![-/.:]\d)"),  # a status leading the text: "429 REQUEST_THRESHOLD_VIOLATED"
    re.compile(r"\bHTTP(?:/\d(?:\.\d)?)?\s*[:#]?\s*([1-5]\d\d)\b", re.IGNORECASE),  # HTTP 429, HTTP/1.1 503
    re.compile(r"\bstatus(?:[ _-]?code)?\"?\s*[:=]?\s*\"?([1-5]\d\d)\b", re.IGNORECASE),  # status code: 401, "status": 401
    re.compile(r"\b(?:error|code|response)\s*[:=#]?\s*([1-5]\d\d)\b", re.IGNORECASE),  # error 503
    re.compile(r"\b([1-5]\d\d)\s*[-:]?\s*(?:" + _PHRASES + r")\b", re.IGNORECASE),  # 503 Service Unavailable
    re.compile(r"\b([1-5]\d\d)\s+(?:Client|Server)\s+Error\b", re.IGNORECASE),  # requests: 401 Client Error: Unauthorized for url
]
_KNOWN_STATUSES = frozenset(s.value for s in HTTPStatus)
_STATUS_NAMES = re.compile(r"\b(" + "|".join(s.value for s in Status if "_" in s.value) + r")\b")
_SAFE_FIELD = re.compile(r"[A-Za-z0-9_.\-]{1,60}")
# Faults that pass (429, 5xx): they explain a refusal better than its wording or a generic code does.
_PASSING = (RuleMeaning.rate_limited, RuleMeaning.server_error, RuleMeaning.downstream_timeout)


@dataclass
class _Signals:
    items: tuple[ErrorItem, ...] = ()
    codes: list[tuple[str, str]] = dataclass_field(default_factory=list)  # (code as written, its base code)
    oauth: list[str] = dataclass_field(default_factory=list)
    headers: list[str] = dataclass_field(default_factory=list)
    http: list[int] = dataclass_field(default_factory=list)
    network: bool = False
    path_typo: bool = False
    statuses: list[str] = dataclass_field(default_factory=list)
    wording: list[tuple[str, Meaning]] = dataclass_field(default_factory=list)  # OAuth problems recognised by their words
    oauth_context: bool = False
    grant: Meaning | None = None  # for invalid_grant: the refresh token or the authorization code, if the text names one


def _json_items(text: str) -> tuple[ErrorItem, ...]:
    items = parse_error_body(text.strip())
    if items:
        return items
    start, end = text.find("{"), text.rfind("}")  # a JSON body inside a log line
    return parse_error_body(text[start:end + 1]) if 0 <= start < end else ()


def _unique(values: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(values))


def _legacy_headers(table: DecoderTable) -> list[str]:
    """The headers of Walmart's retired signature sign-in."""
    return [name for name, meaning in table.headers.items() if meaning.id == RuleMeaning.legacy]


def _read(text: str, table: DecoderTable) -> _Signals:
    items = _json_items(text)
    written = [item.code for item in items if item.code] + [m.group(0) for m in _CODE.finditer(text)]
    written += [m.group(0) for m in _SERVICE_CODE.finditer(text) if not m.group(0).isupper()]
    by_base: dict[str, str] = {}
    for code in written:  # one per base code, as first written ("UNAUTHORIZED.GMP_GATEWAY_API", not the field "UNAUTHORIZED")
        by_base.setdefault(code.split(".")[0].upper(), code)
    codes = [(code, base) for base, code in by_base.items() if base in table.codes]
    oauth_names = re.compile(r"\b(" + "|".join(map(re.escape, table.oauth_errors)) + r")\b", re.IGNORECASE)
    oauth = _unique(m.group(1).lower() for m in oauth_names.finditer(text) if not m.group(1).isupper()) if table.oauth_errors else []
    oauth += _unique(i.code for i in items if i.code in table.oauth_errors and i.code not in oauth)
    known = {name.upper(): name for name in table.headers}
    headers = _unique(known[h.upper()] for h in [m.group(1) for m in _HEADER.finditer(text)] + [i.field for i in items] if h.upper() in known)
    http: list[int] = []
    for pattern in _HTTP:
        http += [int(m.group(1)) for m in pattern.finditer(text)]
    try:  # {"status": 401, ...} written as JSON; pasted text is read within the bounds of a gateway's body
        data = load_json(text)
        if isinstance(data, dict) and str(data.get("status", "")).isdigit():
            http.append(int(data["status"]))
    except (UnreadableBody, ValueError):
        pass
    return _Signals(
        items=items, codes=codes, oauth=oauth, headers=headers,
        http=_unique(h for h in http if h in _KNOWN_STATUSES),
        network=bool(table.network.search(text)),
        path_typo="/v3/token/details" in text.lower(),
        statuses=_unique(_STATUS_NAMES.findall(text)) + ([text.strip()] if text.strip() in {s.value for s in Status} and "_" not in text else []),
        wording=[(rule.label, rule.meaning) for rule in table.wording if rule.pattern.search(text)],
        oauth_context=bool(table.oauth_context.search(text)),
        grant=_grant(text, table),
    )


def _grant(text: str, table: DecoderTable) -> Meaning | None:
    """For invalid_grant: the grant the text names, if it names one."""
    if re.search(table.word(RuleWord.refresh_token), text, re.IGNORECASE):
        return table.meaning(RuleMeaning.refresh_refused)
    if re.search(table.word(RuleWord.authorization_code), text, re.IGNORECASE):
        return table.meaning(RuleMeaning.code_refused)
    return None


def _field_of(signals: _Signals, base: str, table: DecoderTable) -> str | None:
    """The field Walmart named, when it names a header or parameter (not a repeat of the code, like "UNAUTHORIZED")."""
    for item in signals.items:
        name = item.field
        if item.code.split(".")[0].upper() != base or not _SAFE_FIELD.fullmatch(name or ""):
            continue
        if name in table.headers or not (name[0].isdigit() or (name.isupper() and "." not in name)):
            return name
    return None


def _about_authorization(signals: _Signals, field: str | None) -> bool:
    texts = [f"{i.field} {i.description} {i.info}" for i in signals.items if "HEADER" in i.code.upper()]
    return (field or "").lower() == "authorization" or any("authoriz" in t.lower() for t in texts)


def _choose(signals: _Signals, table: DecoderTable) -> tuple[Meaning | None, str | None, str | None]:
    """The one meaning that explains the text best, with the code and field it rests on."""
    if signals.path_typo:
        return table.meaning(RuleMeaning.path_typo), None, None
    oauth_code = next((name for name in signals.oauth if name in ("invalid_grant", "access_denied", "unauthorized_client")), None)
    # The words say more than a generic code such as INVALID_REQUEST or 400 would, but not more than
    # invalid_client (the app's keys) or a passing fault (429, 5xx), which explain a refusal better.
    transient = any(h == 429 or h >= 500 for h in signals.http) or any(table.codes[base].id in _PASSING for _, base in signals.codes)
    if signals.wording and "invalid_client" not in signals.oauth and not transient:
        worded = _in_context(signals.wording[0][1], signals, table)
        if oauth_code or not signals.codes:
            return worded, oauth_code, None
        written, base = signals.codes[0]
        return worded, written, _field_of(signals, base, table)
    if oauth_code and not transient:  # more telling than a generic code next to it, such as INVALID_REQUEST
        if oauth_code == "invalid_grant" and signals.grant is not None:  # the text says which grant was refused
            return signals.grant, oauth_code, None
        return table.oauth_errors[oauth_code], oauth_code, None
    legacy = _legacy_headers(table)
    for written, base in signals.codes:
        field = _field_of(signals, base, table)
        if base in ("INVALID_REQUEST_HEADER", "MISSING_REQUEST_HEADER"):
            if _about_authorization(signals, field):  # how Walmart also reports refused keys (reference §4.3)
                return table.meaning(RuleMeaning.invalid_client if signals.oauth_context else RuleMeaning.rejected), written, field
            header = field if field in table.headers else next((h for h in signals.headers if h not in legacy), None)
            if header:
                return table.headers[header], written, header
        return _in_context(table.codes[base], signals, table), written, field
    if signals.oauth:
        return table.oauth_errors[signals.oauth[0]], signals.oauth[0], None
    if any(h in legacy for h in signals.headers):
        return table.meaning(RuleMeaning.legacy), None, next(h for h in signals.headers if h in legacy)
    status = next(iter(signals.http), None)
    # A header name next to a status is usually just the log of the call's correlation ID,
    # so the status wins, except a 400, which is where header problems live.
    if status is not None and status != 400:
        return _in_context(table.for_status(status), signals, table), None, None
    if signals.headers:
        return table.headers[signals.headers[0]], None, signals.headers[0]
    if status is not None:
        return table.for_status(status), None, None
    if signals.network:
        return table.meaning(RuleMeaning.network), None, None
    return None, None, None


def _in_context(meaning: Meaning, signals: _Signals, table: DecoderTable) -> Meaning:
    """Refused keys, while connecting or refreshing a store through the app, may be the app's own."""
    if meaning.id == RuleMeaning.rejected and signals.oauth_context:
        return table.meaning(RuleMeaning.invalid_client)
    return meaning


def _boosted(meaning: Meaning, text: str, signals: _Signals, table: DecoderTable) -> tuple[Cause, ...]:
    """Move a cause up when the text itself points at it."""
    hints = set()
    if any(h in _legacy_headers(table) for h in signals.headers) or re.search(r"consumer.?id|private.?key", text, re.IGNORECASE):
        hints.add("legacy-consumer-id")
    if re.search(r"sandbox", text, re.IGNORECASE):
        hints.add("production-vs-sandbox")
    grants = table.word(RuleWord.refresh_token) + "|" + table.word(RuleWord.authorization_code)
    if re.search(r"expired?", text, re.IGNORECASE) and not re.search(grants, text, re.IGNORECASE):
        hints.add("access-token-expired")
    if meaning.id == RuleMeaning.invalid_client and signals.oauth_context:  # refused while connecting or refreshing: the app's keys
        hints.add("oauth-app-setup")
    return tuple(sorted(meaning.causes, key=lambda c: c.faq_id not in hints))  # stable: otherwise keeps its order


# --- The answer ----------------------------------------------------------------------------------

MAX_ANSWERS = 8


def explain(text: str, faq: Faq | None = None, table: DecoderTable | None = None) -> Explanation:
    """Explain any pasted error text. Never raises for odd input; unknown text gets the closest FAQ answers.

    Raises DecoderTableError (or FaqError) only when the data file itself is missing or malformed.
    """
    faq = faq or load_faq()
    table = table or load_decoder_table()
    text = "\n".join(strip_prefix(line) for line in (text or "").splitlines())
    signals = _read(text, table)
    meaning, code, field = _choose(signals, table)
    found = _found(signals)
    http_status = next(iter(signals.http), None)
    if meaning is None:
        if signals.statuses:  # our own check's status names, e.g. from the CLI's output
            return _explain_status(Status(signals.statuses[0]), faq, found)
        matches = [m.entry for m in search(faq, text, limit=5)] or faq.overview()
        unknown = table.unknown
        return Explanation(
            recognized=False, title=unknown.title, meaning=unknown.meaning,
            causes=(), steps=unknown.steps, faq=tuple(matches), found=found,
        )
    causes = _boosted(meaning, text, signals, table)
    note = next((table.notes[key] for key in (code_key(code or "").upper(), str(http_status)) if key in table.notes), "")
    linked = list(meaning.first) + [c.faq_id for c in causes if c.faq_id] + list(meaning.also)
    linked += [e.id for key in ([code] if code else []) + signals.oauth + signals.headers + [str(h) for h in signals.http] for e in faq.for_code(key)]
    entries = [faq.get(entry_id) for entry_id in _unique(linked)]
    return Explanation(
        recognized=True,
        title=meaning.title,
        meaning=f"{meaning.meaning} {note}".strip(),
        causes=causes,
        steps=meaning.steps,
        faq=tuple(e for e in entries if e is not None)[:MAX_ANSWERS],
        found=found,
        http_status=http_status,
        code=code,
        field=field,
    )


def _explain_status(status: Status, faq: Faq, found: tuple[str, ...]) -> Explanation:
    title, next_step = (_(text) for text in STATUS_TEXT[status])
    entries = faq.for_status(status)
    return Explanation(
        recognized=True,
        title=title,
        meaning=_("This is the result of a Store Connect authorization check: {status}.", status=title.lower()),
        causes=tuple(Cause(e.question, e.id) for e in entries),
        steps=(next_step,),
        faq=tuple(entries),
        found=found,
    )


def _found(signals: _Signals) -> tuple[str, ...]:
    found = [_("Walmart code {code}", code=written) for written, _base in signals.codes]
    found += [_("OAuth error {error}", error=name) for name in signals.oauth]
    found += [_("HTTP {status} {phrase}", status=status, phrase=HTTPStatus(status).phrase) for status in signals.http]
    found += [_("header {header}", header=name) for name in signals.headers]
    found += [_("the misspelled path /v3/token/details")] if signals.path_typo else []
    found += [_("a network error")] if signals.network and not signals.http else []
    found += [_("check status {status}", status=name) for name in signals.statuses]
    found += [label for label, _meaning in signals.wording]
    return tuple(found)


# --- A log excerpt -------------------------------------------------------------------------------

def explain_all(text: str, faq: Faq | None = None, table: DecoderTable | None = None) -> list[Explanation]:
    """One explanation per error in a pasted excerpt, in the order they first appear; the same error repeated is one.

    A line that holds no error (a traceback's "File ..." lines, an INFO line, a 200) adds nothing. Text with a
    single record, or with no error in any line, is explained as a whole, as `explain` does.
    """
    faq = faq or load_faq()
    table = table or load_decoder_table()
    found = records(text or "")
    if len(found) <= 1:
        return [explain(text, faq, table)]
    results: dict[tuple[object, ...], Explanation] = {}
    for record in found:
        if not _is_error(_read(record.text, table)):
            continue
        result = explain(record.text, faq, table)
        key = (result.title, code_key(result.code or ""), result.http_status, result.field)
        earlier = results.get(key)
        results[key] = replace(earlier, lines=earlier.lines + record.lines) if earlier else replace(result, lines=record.lines)
    return list(results.values()) or [explain(text, faq, table)]


def _is_error(signals: _Signals) -> bool:
    """Whether a record says something went wrong: a status below 400 alone does not."""
    return bool(signals.codes or signals.oauth or signals.headers or signals.path_typo or signals.statuses or signals.wording
                or signals.network or any(status >= 400 for status in signals.http))
