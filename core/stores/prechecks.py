"""Pre-checks of pasted keys, before any network call.

Each Finding has a stable code (the FAQ and the error decoder key off it), a
severity (an error blocks the token call, a warning does not), the field and
character position it applies to, and a fix in plain words.
"""
from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from core.i18n import N_, _, ngettext


class Severity(StrEnum):
    error = "error"
    warning = "warning"


class FindingCode(StrEnum):
    empty_value = "empty_value"
    masked_placeholder = "masked_placeholder"
    surrounding_whitespace = "surrounding_whitespace"
    invisible_character = "invisible_character"
    lookalike_character = "lookalike_character"
    inner_whitespace = "inner_whitespace"
    identical_values = "identical_values"
    client_id_not_uuid = "client_id_not_uuid"
    values_swapped = "values_swapped"
    colon_in_client_id = "colon_in_client_id"
    multiline_value = "multiline_value"
    legacy_private_key = "legacy_private_key"
    basic_auth_header = "basic_auth_header"
    base64_credentials = "base64_credentials"


@dataclass(frozen=True)
class Finding:
    code: FindingCode
    severity: Severity
    field: str  # "client_id" | "client_secret" | "both"
    message: str  # what is wrong, in plain words (in the language of the check); never contains the secret
    fix: str  # what to do next
    position: int | None = None  # 1-based character position in the value as pasted, when it applies

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "code": str(self.code), "severity": str(self.severity)}


@dataclass(frozen=True)
class PrecheckResult:
    client_id: str  # the values to use: surrounding whitespace trimmed
    client_secret: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.warning]

    @property
    def ok(self) -> bool:
        """True when nothing blocks the token call."""
        return not self.errors


# --- Character tables ------------------------------------------------------
# Written as Unicode names rather than literal characters: the literals are
# exactly what a reader cannot tell apart.

_ORDINARY_WHITESPACE = " \t\r\n\v\f"  # the only characters trimmed silently
_INNER_SPACES = " \t"
_LINE_BREAK = re.compile(r"\r\n|[\r\n\v\f]")

_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp", "Zs"}
# Outside those categories, yet they render as nothing or as a blank.
_BLANK_LOOKING = {chr(c) for c in (0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0,
                                    *range(0xFE00, 0xFE10))}  # the last are variation selectors
_FRIENDLY_NAMES = {
    "\u200b": N_("zero-width space"),
    "\u200c": N_("zero-width non-joiner"),
    "\u200d": N_("zero-width joiner"),
    "\ufeff": N_("byte order mark (BOM)"),
    "\x1b": N_("escape character (it starts terminal colour codes)"),
}
_CATEGORY_NAMES = {"Cc": N_("control character"), "Co": N_("private-use character"), "Cn": N_("unassigned character"),
                   "Cs": N_("broken character (lone surrogate)")}
_UNNAMED = N_("unnamed character")

# What each non-ASCII character looks like. Dashes (category Pd), fullwidth
# forms and accented letters are worked out by _looks_like, not listed here.
_HOMOGLYPHS = """
' LEFT SINGLE QUOTATION MARK, RIGHT SINGLE QUOTATION MARK, SINGLE LOW-9 QUOTATION MARK, SINGLE HIGH-REVERSED-9 QUOTATION MARK, PRIME, ACUTE ACCENT, MODIFIER LETTER APOSTROPHE
" LEFT DOUBLE QUOTATION MARK, RIGHT DOUBLE QUOTATION MARK, DOUBLE LOW-9 QUOTATION MARK, DOUBLE PRIME
- MINUS SIGN
a CYRILLIC SMALL LETTER A, GREEK SMALL LETTER ALPHA
c CYRILLIC SMALL LETTER ES
d CYRILLIC SMALL LETTER KOMI DE
e CYRILLIC SMALL LETTER IE
h CYRILLIC SMALL LETTER SHHA
i CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I, GREEK SMALL LETTER IOTA, LATIN SMALL LETTER DOTLESS I
j CYRILLIC SMALL LETTER JE
k GREEK SMALL LETTER KAPPA
o CYRILLIC SMALL LETTER O, GREEK SMALL LETTER OMICRON
p CYRILLIC SMALL LETTER ER, GREEK SMALL LETTER RHO
q CYRILLIC SMALL LETTER QA
s CYRILLIC SMALL LETTER DZE
u GREEK SMALL LETTER UPSILON
v GREEK SMALL LETTER NU
w CYRILLIC SMALL LETTER WE
x CYRILLIC SMALL LETTER HA, GREEK SMALL LETTER CHI
y CYRILLIC SMALL LETTER U
A CYRILLIC CAPITAL LETTER A, GREEK CAPITAL LETTER ALPHA
B CYRILLIC CAPITAL LETTER VE, GREEK CAPITAL LETTER BETA
C CYRILLIC CAPITAL LETTER ES
E CYRILLIC CAPITAL LETTER IE, GREEK CAPITAL LETTER EPSILON
H CYRILLIC CAPITAL LETTER EN, GREEK CAPITAL LETTER ETA
I CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I, GREEK CAPITAL LETTER IOTA
J CYRILLIC CAPITAL LETTER JE
K CYRILLIC CAPITAL LETTER KA, GREEK CAPITAL LETTER KAPPA
M CYRILLIC CAPITAL LETTER EM, GREEK CAPITAL LETTER MU
N GREEK CAPITAL LETTER NU
O CYRILLIC CAPITAL LETTER O, GREEK CAPITAL LETTER OMICRON
P CYRILLIC CAPITAL LETTER ER, GREEK CAPITAL LETTER RHO
S CYRILLIC CAPITAL LETTER DZE
T CYRILLIC CAPITAL LETTER TE, GREEK CAPITAL LETTER TAU
X CYRILLIC CAPITAL LETTER HA, GREEK CAPITAL LETTER CHI
Y CYRILLIC CAPITAL LETTER STRAIGHT U, GREEK CAPITAL LETTER UPSILON
Z GREEK CAPITAL LETTER ZETA
"""
_LOOKS_LIKE = {
    unicodedata.lookup(name.strip()): line[0]
    for line in _HOMOGLYPHS.strip().splitlines()
    for name in line[2:].split(",")
}

_MASK_SYMBOLS = "*" + "".join(unicodedata.lookup(name) for name in (
    "BULLET", "BLACK CIRCLE", "WHITE CIRCLE", "LARGE CIRCLE", "MEDIUM BLACK CIRCLE", "BLACK LARGE CIRCLE",
    "WHITE BULLET", "BULLET OPERATOR", "DOT OPERATOR", "MIDDLE DOT", "HYPHENATION POINT", "KATAKANA MIDDLE DOT",
    "HALFWIDTH KATAKANA MIDDLE DOT", "ASTERISK OPERATOR", "FULLWIDTH ASTERISK", "BLACK SMALL SQUARE",
))
_MASK_RUN = re.compile(f"[{re.escape(_MASK_SYMBOLS)}]{{3,}}")
_X_RUN = re.compile("[xX]{4,}")

_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*KEY-----")
_HEADER = re.compile(r"(?:authorization\s*:\s*)?basic\s+(\S*)|authorization\s*:", re.IGNORECASE)
# A PKCS#8 RSA key is about 1,600 base64 characters; the only client secret Walmart documents has 86.
_LEGACY_KEY_MIN_LENGTH = 500
_MAX_CHARACTER_FINDINGS = 5  # per field and kind; the rest go into one summary finding

_LABELS = {"client_id": N_("Client ID"), "client_secret": N_("Client Secret")}
_FIELD_ORDER = {"client_id": 0, "client_secret": 1, "both": 2}
_WHOLE_VALUE_CODES = {FindingCode.empty_value, FindingCode.masked_placeholder, FindingCode.legacy_private_key,
                      FindingCode.basic_auth_header, FindingCode.base64_credentials}
# A Client ID with one of these already has a better explanation than "not a UUID".
_EXPLAINS_ID_SHAPE = _WHOLE_VALUE_CODES | {FindingCode.invisible_character, FindingCode.lookalike_character}

_FROM_PORTAL = N_("the API Keys page of the Walmart Developer Portal")
_REVEAL_STEPS = N_(
    "click the eye or Show button next to the box. If the browser will not show it (some browsers, such as "
    "ZiNiao, hide every password box), press F12 to open the developer tools, click the arrow (element picker), "
    "click the box, then double-click its value in the developer tools and copy it."
)
_PASTE_SEPARATELY = N_(
    'Paste the Client ID and the Client Secret separately, each in its own box, without "Basic" or '
    '"Authorization:". Copy them from {where}, not from a request, log or script.'
)


def _label(name: str) -> str:
    return _(_LABELS[name])


def _paste_separately() -> str:
    return _(_PASTE_SEPARATELY, where=_(_FROM_PORTAL))


def precheck(client_id: str | None, client_secret: str | None) -> PrecheckResult:
    raw = {"client_id": _as_text(client_id), "client_secret": _as_text(client_secret)}
    trimmed = {name: value.strip(_ORDINARY_WHITESPACE) for name, value in raw.items()}
    findings = [finding for name, value in raw.items() for finding in _check_field(name, value)]
    findings += _check_pair(trimmed["client_id"], trimmed["client_secret"], findings)
    findings.sort(key=lambda f: (_FIELD_ORDER[f.field], f.position or 0))
    return PrecheckResult(trimmed["client_id"], trimmed["client_secret"], findings)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _error(code: FindingCode, field: str, message: str, fix: str, position: int | None = None) -> Finding:
    return Finding(code, Severity.error, field, message, fix, position)


def _warning(code: FindingCode, field: str, message: str, fix: str, position: int | None = None) -> Finding:
    return Finding(code, Severity.warning, field, message, fix, position)


# --- One field -------------------------------------------------------------

def _check_field(name: str, raw: str) -> list[Finding]:
    label = _label(name)
    value = raw.strip(_ORDINARY_WHITESPACE)
    if not value:
        what = _("The {label} is empty.", label=label) if not raw else _("The {label} contains only spaces or line breaks.", label=label)
        return [_error(FindingCode.empty_value, name, what, _("Paste the {label} from {where}.", label=label, where=_(_FROM_PORTAL)))]
    # When the whole value is the wrong thing, details about its characters are noise.
    whole = _whole_value_problem(name, value)
    if whole:
        return [whole]
    offset = len(raw) - len(raw.lstrip(_ORDINARY_WHITESPACE))
    findings = [] if value == raw else [_surrounding_whitespace(name, raw, value, offset)]
    findings += _character_findings(name, value, offset)
    if name == "client_id" and ":" in value:
        position = offset + value.index(":") + 1
        findings.append(_error(
            FindingCode.colon_in_client_id, name,
            _("The Client ID has a colon (:) at position {position}. Client IDs never contain one, and a colon "
              "breaks the way the Client ID and Client Secret are sent to Walmart.", position=position),
            _('Paste only the Client ID itself, without a label such as "Client ID:" and without the secret.'),
            position,
        ))
    return findings


def _whole_value_problem(name: str, value: str) -> Finding | None:
    label = _label(name)
    if _looks_like_private_key(value):
        return _error(
            FindingCode.legacy_private_key, name,
            _('The {label} looks like a private key (a long block of text, often starting with "-----BEGIN PRIVATE '
              'KEY-----"). That belongs to the old Consumer ID / Private Key sign-in method, which is not the same as '
              "a Client ID and Client Secret and cannot be used here.", label=label),
            _("Create a Client ID and Client Secret instead: sign in to the Walmart Developer Portal "
              "(developer.walmart.com) with your Seller Center login, open API Keys and copy the Client ID and Client "
              'Secret of the key pair. To give access to a solution provider, use "Add New Key For A Solution '
              'Provider" and copy the Client ID and Client Secret of that new key.'),
        )
    header = _HEADER.match(value)
    if header:
        if _is_encoded_pair(header.group(1) or ""):
            message = _('The {label} starts with "Basic" or "Authorization:", so a whole request header was pasted instead of '
                        'the {label} alone. The coded part after "Basic" holds a Client ID and a Client Secret joined by a colon.',
                        label=label)
        else:
            message = _('The {label} starts with "Basic" or "Authorization:", so a whole request header was pasted instead of '
                        "the {label} alone.", label=label)
        return _error(FindingCode.basic_auth_header, name, message, _paste_separately())
    if _is_masked(value):
        return _error(
            FindingCode.masked_placeholder, name,
            _("The {label} is made of mask symbols such as • or * (what a password box shows), not the real value.", label=label),
            _("Reveal the real {label} and copy it again: {steps}", label=label, steps=_(_REVEAL_STEPS)),
        )
    if _is_encoded_pair(value):
        return _error(
            FindingCode.base64_credentials, name,
            _("The {label} is a Client ID and a Client Secret joined by a colon and then encoded (the form used "
              "inside a Basic authorization header), not the {label} by itself.", label=label),
            _paste_separately(),
        )
    return None


def _looks_like_private_key(value: str) -> bool:
    compact = "".join(value.split())
    return bool(_PEM.search(value)) or (len(compact) > _LEGACY_KEY_MIN_LENGTH and bool(_BASE64.fullmatch(compact)))


def _is_masked(value: str) -> bool:
    core = value.replace("-", "").replace(" ", "")
    symbols = sum(ch in _MASK_SYMBOLS for ch in core)
    masked = symbols + sum(ch in "xX" for ch in core)
    if core and masked == len(core) and (symbols or masked >= 4):
        return True
    # "********abcd": a password box that shows the last few characters.
    return bool(_MASK_RUN.search(value)) or (bool(_X_RUN.search(value)) and 2 * masked >= len(core))


def _is_encoded_pair(text: str) -> bool:
    """True when text is base64 (standard or URL-safe) of "something:something"."""
    if len(text) < 4 or not _BASE64.fullmatch(text):  # 4 characters already encode "a:b"
        return False
    body = text.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        decoded = base64.b64decode(body + "=" * (-len(body) % 4), validate=True).decode("utf-8")
    except ValueError:  # includes binascii.Error and UnicodeDecodeError
        return False
    decoded = decoded.rstrip("\r\n")  # `echo` without -n adds a newline before encoding
    ident, colon, secret = decoded.partition(":")
    return bool(colon and ident and secret) and decoded.isprintable() and " " not in decoded


def _surrounding_whitespace(name: str, raw: str, value: str, offset: int) -> Finding:
    label = _label(name)
    before, after = raw[:offset], raw[offset + len(value):]
    edges = before + after
    counts = {kind: len(re.findall(pattern, edges)) for kind, pattern in (("space", " "), ("tab", "\t"), ("line break", _LINE_BREAK))}
    kinds = [_count(n, kind) for kind, n in counts.items() if n]
    what = _join(kinds)
    if before and after:
        message = _("The {label} had {what} at the start and end. They were removed automatically.", label=label, what=what)
    elif before:
        message = _("The {label} had {what} at the start. They were removed automatically.", label=label, what=what)
    else:
        message = _("The {label} had {what} at the end. They were removed automatically.", label=label, what=what)
    return _warning(
        FindingCode.surrounding_whitespace, name, message,
        _("Nothing to do: the value without them will be used."),
        1 if before else offset + len(value) + 1,
    )


def _character_findings(name: str, value: str, offset: int) -> list[Finding]:
    label = _label(name)
    findings = []
    spaces = [i for i, ch in enumerate(value) if ch in _INNER_SPACES]
    if spaces:
        position = offset + spaces[0] + 1
        findings.append(_error(
            FindingCode.inner_whitespace, name,
            ngettext("The {label} has a space or tab inside it (at position {position}). Walmart keys never contain spaces.",
                     "The {label} has {n} spaces or tabs inside it (the first at position {position}). Walmart keys never contain spaces.",
                     len(spaces), label=label, position=position),
            _("Copy the {label} again in one piece. If it was split in an email or chat, join the parts without a space.", label=label),
            position,
        ))
    lines = _LINE_BREAK.split(value)
    if len(lines) > 1:
        position = offset + len(lines[0]) + 1
        findings.append(_error(
            FindingCode.multiline_value, name,
            _("The {label} is split over {count} lines (the first line break is at position {position}). "
              "A key is always a single line.", label=label, count=len(lines), position=position),
            _("Copy the {label} again as one line, selecting only the key itself.", label=label),
            position,
        ))
    odd: dict[FindingCode, list[int]] = {FindingCode.invisible_character: [], FindingCode.lookalike_character: []}
    for i, ch in enumerate(value):
        if not (" " <= ch <= "~" or ch in _ORDINARY_WHITESPACE):
            odd[_odd_kind(ch)].append(i)
    for code, indexes in odd.items():
        findings += [_odd_character(code, name, value[i], offset + i + 1) for i in indexes[:_MAX_CHARACTER_FINDINGS]]
        if len(indexes) > _MAX_CHARACTER_FINDINGS:
            position = offset + indexes[_MAX_CHARACTER_FINDINGS] + 1
            more = len(indexes) - _MAX_CHARACTER_FINDINGS
            findings.append(_error(
                code, name,
                _("The {label} has {count} more invisible characters, starting at position {position}.", label=label, count=more,
                  position=position) if code == FindingCode.invisible_character
                else _("The {label} has {count} more non-standard characters, starting at position {position}.", label=label,
                       count=more, position=position),
                _("Copy the {label} again straight from {where} instead of from an email, chat or document.", label=label,
                  where=_(_FROM_PORTAL)),
                position,
            ))
    return findings


def _odd_kind(ch: str) -> FindingCode:
    if ch in _BLANK_LOOKING or unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
        return FindingCode.invisible_character
    return FindingCode.lookalike_character  # Walmart keys are ASCII, so anything else is wrong too


def _odd_character(code: FindingCode, name: str, ch: str, position: int) -> Finding:
    label = _label(name)
    what = f"{character_name(ch)} (U+{ord(ch):04X})"
    portal = _(_FROM_PORTAL)
    if code == FindingCode.invisible_character:
        return _error(
            code, name,
            _("Position {position} of the {label} holds a hidden character: {what}. "
              "You cannot see it, but it makes the key wrong.", position=position, label=label, what=what),
            _("Copy the {label} again straight from {where}, or delete and retype the characters around "
              "position {position}. Emails, chats and documents often add such characters.", label=label, where=portal, position=position),
            position,
        )
    looks = _looks_like(ch)
    if looks:
        message = _('Position {position} of the {label} is {what}, which looks like "{looks}" but is a different character. '
                    "Walmart keys are made of plain keyboard characters only.", position=position, label=label, what=what, looks=looks)
        fix = _('Replace it with the ordinary "{looks}" typed on the keyboard, or copy the {label} again straight from {where}. '
                "Emails, chats and word processors often swap characters like this.", looks=looks, label=label, where=portal)
    else:
        message = _("Position {position} of the {label} is {what}, which is not a plain keyboard character. "
                    "Walmart keys are made of plain keyboard characters only.", position=position, label=label, what=what)
        fix = _("Delete it or retype it, or copy the {label} again straight from {where}. "
                "Emails, chats and word processors often swap characters like this.", label=label, where=portal)
    return _error(code, name, message, fix, position)


def character_name(ch: str) -> str:
    """A character's name in lower case, as people read it ("right-to-left override", "zero-width space")."""
    if ch in _FRIENDLY_NAMES:
        return _(_FRIENDLY_NAMES[ch])
    words = unicodedata.name(ch, "").lower().split()  # Unicode's own names, which have no translation
    if "capital" in words and len(words[-1]) == 1:  # "cyrillic capital letter A", not "... letter a"
        words[-1] = words[-1].upper()
    return " ".join(words) or _(_CATEGORY_NAMES.get(unicodedata.category(ch), _UNNAMED))


def _looks_like(ch: str) -> str | None:
    if ch in _LOOKS_LIKE:
        return _LOOKS_LIKE[ch]
    if unicodedata.category(ch) == "Pd":
        return "-"
    for form in ("NFKC", "NFKD"):  # NFKC maps fullwidth forms; NFKD strips accents
        plain = "".join(c for c in unicodedata.normalize(form, ch) if " " < c <= "~")
        if len(plain) == 1:
            return plain
    return None


def _count(n: int, kind: str) -> str:
    if kind == "space":
        return ngettext("a space", "{n} spaces", n)
    if kind == "tab":
        return ngettext("a tab", "{n} tabs", n)
    return ngettext("a line break", "{n} line breaks", n)


def _join(words: list[str]) -> str:
    """"a space, a tab and a line break": a list in the current language."""
    if len(words) < 2:
        return "".join(words)
    return _("{first} and {last}", first=_(", ").join(words[:-1]), last=words[-1])


# --- Both fields together ----------------------------------------------------

def _check_pair(client_id: str, client_secret: str, findings: list[Finding]) -> list[Finding]:
    errors = {name: {f.code for f in findings if f.field == name and f.severity == Severity.error} for name in _LABELS}
    if client_id == client_secret and not (errors["client_id"] | errors["client_secret"]) & _WHOLE_VALUE_CODES:
        return [_error(
            FindingCode.identical_values, "both",
            _("The Client ID and the Client Secret are exactly the same. They are always two different values, so one "
              "of them was copied wrongly. This often happens when the browser hides the Client Secret's password box "
              "and the copy picks up other text."),
            _("Copy both again from {where} and paste them into Notepad to check they differ. To copy the "
              "Client Secret, reveal it first: {steps}", where=_(_FROM_PORTAL), steps=_(_REVEAL_STEPS)),
        )]
    id_is_uuid = bool(_UUID.fullmatch(client_id))
    if id_is_uuid or errors["client_id"] & _EXPLAINS_ID_SHAPE:
        return []
    if _UUID.fullmatch(client_secret):
        return [_warning(
            FindingCode.values_swapped, "both",
            _("The Client Secret has the usual shape of a Client ID (groups of 8-4-4-4-12 letters and digits joined by "
              "dashes) and the Client ID does not, so the two boxes were probably filled the wrong way round."),
            _("Swap them: put the value from the Client Secret box into the Client ID box, and the other value into "
              "the Client Secret box."),
        )]
    return [_warning(
        FindingCode.client_id_not_uuid, "client_id",
        _("The Client ID does not have the usual shape: 32 letters (a to f) and digits in groups of 8-4-4-4-12 joined "
          "by dashes, like 1b2c3d4e-0000-4a5b-8c9d-0123456789ab. Walmart does not promise this format, so it may "
          "still work."),
        _("Check that you copied the Client ID, not the Client Secret, a Seller ID or part of another key. If it is "
          "right, go ahead."),
    )]
