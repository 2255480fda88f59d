"""The decoder's content: data/decoder.toml loaded and validated.

What each Walmart error means, its likely causes and the steps to take; which codes, OAuth
errors, headers and HTTP statuses point to which meaning; and the words that recognise OAuth
problems and network failures. Staff edit the file without touching code, so every mistake in
it is reported with the file and the entry, and the loaded copy follows the file's changes.
The rules that read a pasted text and pick a meaning are decoder.py's.

Every text is written in English and in Simplified Chinese (`title_zh` beside `title`, `[phrases_zh]` beside
`[phrases]`). The file is read into one table per language; `load_decoder_table()` hands back the current
language's (core.i18n). A missing translation shows the English text and is listed in that table's
`untranslated`, which a test requires to be empty.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.config import DATA_DIR
from core.errors import StoreConnectError
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, current_language
from core.troubleshooting.faq import SLUG, TRANSLATIONS

DECODER_PATH = DATA_DIR / "decoder.toml"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME = re.compile(r"\{(" + _IDENTIFIER.pattern + r")\}")  # {name}: a phrase in a text, a word in a pattern
_NEAR = r"[^.。\n]{0,60}?"  # within 60 characters, in the same sentence
_WORD_START = r"(?<![A-Za-z0-9_])"  # \b would also refuse a Chinese word right after another Chinese character
_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_OAUTH_ERROR = re.compile(r"[a-z][a-z_]*")
_HEADER = re.compile(r"WM_[A-Z0-9_]+(?:\.[A-Z0-9_]+)*")
_STATUS_CLASS = re.compile(r"([1-5])xx")
_FIX = N_("Correct it in the file; the comment at the top of the file lists the fields.")


def _translated(*names: str) -> tuple[str, ...]:
    """The fields that give the translations of these: title_zh for title."""
    return tuple(f"{name}{suffix}" for suffix in TRANSLATIONS.values() for name in names)


_TOP_REQUIRED = ("meaning", "words", "wording", "patterns", "unknown")
_TOP_OPTIONAL = ("phrases", *_translated("phrases"))
_MEANING_REQUIRED = ("id", "title", "meaning", "steps", "cause")
_MEANING_OPTIONAL = ("first", "also", "codes", "oauth_errors", "headers", "http_statuses", "note", *_translated("title", "meaning", "steps"))
_WORDING_OPTIONAL = ("subject", "problem", "also", "pattern")


class DecoderTableError(StoreConnectError):
    """The decoder file is missing or malformed. The message names the file and the entry."""


class RuleMeaning(StrEnum):
    """The meanings decoder.py's rules name; the file must define each."""

    rejected = "rejected"
    invalid_client = "invalid-client"
    refresh_refused = "refresh-refused"
    code_refused = "code-refused"
    rate_limited = "rate-limited"
    server_error = "server-error"
    downstream_timeout = "downstream-timeout"
    legacy = "legacy"
    network = "network"
    path_typo = "path-typo"


class RuleWord(StrEnum):
    """The [words] decoder.py's rules use; the file must define each."""

    refresh_token = "refresh_token"
    authorization_code = "authorization_code"


@dataclass(frozen=True)
class Cause:
    text: str
    faq_id: str | None = None


@dataclass(frozen=True)
class Meaning:
    id: str
    title: str
    meaning: str
    causes: tuple[Cause, ...]  # most likely first
    steps: tuple[str, ...]
    first: tuple[str, ...] = ()  # FAQ answers to read before those of the causes
    also: tuple[str, ...] = ()  # and after them


@dataclass(frozen=True)
class WordingRule:
    """An OAuth problem recognised by its words."""

    label: str  # what was found, e.g. "a refused refresh token"
    meaning: Meaning
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Unknown:
    """The answer for a text nothing in the table explains."""

    title: str
    meaning: str
    steps: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class DecoderTable:
    """The file in one language: its texts are in that language, its codes and patterns are the same in every one."""

    meanings: dict[str, Meaning]  # by id, in file order
    codes: dict[str, Meaning]  # Walmart codes without the service part: "UNAUTHORIZED"
    oauth_errors: dict[str, Meaning]
    headers: dict[str, Meaning]
    statuses: dict[int, Meaning]
    status_classes: dict[int, Meaning]  # 4 for "4xx": the statuses listed nowhere else
    notes: dict[str, str]  # a code or status ("413") -> a sentence added to its meaning
    words: dict[str, str]
    wording: tuple[WordingRule, ...]  # most specific first
    network: re.Pattern[str]
    oauth_context: re.Pattern[str]
    unknown: Unknown
    source: Path | None = None
    language: str = DEFAULT_LANGUAGE
    untranslated: tuple[str, ...] = ()  # where a translation is missing or empty, e.g. "meaning 'forbidden': title_zh"

    def meaning(self, rule: RuleMeaning) -> Meaning:
        return self.meanings[rule]

    def word(self, rule: RuleWord) -> str:
        return self.words[rule]

    def for_status(self, status: int) -> Meaning:
        return self.statuses.get(status) or self.status_classes[status // 100]


def load_decoder_table(path: Path | str | None = None, language: str | None = None) -> DecoderTable:
    """Load and validate the decoder's table, in the current language unless another is named.

    Cached per file version: an edited file is read again on the next call.
    """
    path = Path(path) if path is not None else DECODER_PATH
    try:
        stat = path.stat()
    except OSError:
        raise DecoderTableError(_("The decoder file {path} is missing.", path=path), _("Restore data/decoder.toml from version control.")) from None
    tables = _load(str(path), stat.st_mtime_ns, stat.st_size)
    return tables.get(language or current_language()) or tables[DEFAULT_LANGUAGE]


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int, _size: int) -> dict[str, DecoderTable]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        raise DecoderTableError(_("The decoder file {path} cannot be read: {problem}.", path=path, problem=problem),
                                _("Check the file exists and is saved as UTF-8.")) from None
    except tomllib.TOMLDecodeError as problem:
        raise DecoderTableError(_("The decoder file {path} is not valid TOML: {problem}.", path=path, problem=problem), _(_FIX)) from None
    return {language: _Reader(path, language).table(data) for language in LANGUAGES}


class _Reader:
    """Reads the parsed file section by section, taking its texts in one language; every complaint names the file and the entry."""

    def __init__(self, path: str, language: str = DEFAULT_LANGUAGE):
        self.path = path
        self.file = f"The decoder file {path}"
        self.language = language
        self.suffix = TRANSLATIONS.get(language, "")  # "" for English, the source language
        self.phrases: dict[str, str] = {}
        self.translated_phrases: dict[str, str] = {}
        self.words: dict[str, str] = {}
        self.untranslated: list[str] = []

    def table(self, data: dict[str, Any]) -> DecoderTable:
        _fields(data, self.file, _TOP_REQUIRED, _TOP_OPTIONAL)
        self.phrases = self._names(data.get("phrases", {}), "phrases")
        if self.suffix:
            section = f"phrases{self.suffix}"
            self.translated_phrases = self._names(data.get(section, {}), section)
            for name in self.translated_phrases.keys() - self.phrases.keys():
                raise DecoderTableError(_("{file}, [{section}]: '{name}' is not in [phrases].", file=self.file, section=section, name=name),
                                        _("Translate the phrases of [phrases] under the same names."))
            self.untranslated += [f"[{section}]: {name}" for name in self.phrases if name not in self.translated_phrases]
        self.words = self._names(data["words"], "words")
        for name, regex in self.words.items():
            _compile(regex, f"{self.file}, [words]", name)
        for word in RuleWord:
            if word not in self.words:
                raise DecoderTableError(f"{self.file}: [words] lacks '{word}', which the decoder's rules use.", _FIX)
        maps = _Maps()
        meanings = self._meanings(data["meaning"], maps)
        wording = tuple(self._wording(item, f"{self.file}, wording rule {number}", meanings)
                        for number, item in enumerate(_array(data["wording"], self.file, "wording"), start=1))
        where = f"{self.file}, [patterns]"
        patterns = _fields(data["patterns"], where, ("network", "oauth_context"), ())
        network, oauth_context = (_compile(self._pattern(patterns, name, where), where, name) for name in ("network", "oauth_context"))
        where = f"{self.file}, [unknown]"
        unknown = _fields(data["unknown"], where, ("title", "meaning", "steps"), _translated("title", "meaning", "steps"))
        return DecoderTable(
            meanings=meanings, codes=maps.codes, oauth_errors=maps.oauth_errors, headers=maps.headers,
            statuses=maps.statuses, status_classes=maps.status_classes, notes=maps.notes, words=dict(self.words),
            wording=wording, network=network, oauth_context=oauth_context,
            unknown=Unknown(self._text(unknown, "title", where), self._text(unknown, "meaning", where), self._texts(unknown, "steps", where)),
            source=Path(self.path), language=self.language, untranslated=tuple(dict.fromkeys(self.untranslated)),
        )

    # --- sections ----------------------------------------------------------------------------------

    def _names(self, value: object, section: str) -> dict[str, str]:
        """[phrases] or [words]: name = text, the text using no other name."""
        where, kind = f"{self.file}, [{section}]", section.removesuffix("s")
        if not isinstance(value, dict):
            raise DecoderTableError(f"{where} must be a table of name = text.", _FIX)
        for name, text in value.items():
            if not _IDENTIFIER.fullmatch(name):
                raise DecoderTableError(f"{where}: the {kind} name '{name}' must be letters, digits and underscores.", _FIX)
            if not isinstance(text, str) or not text.strip():
                raise DecoderTableError(f"{where}: the {kind} '{name}' must be non-empty text.", _FIX)
            if _NAME.search(text):
                raise DecoderTableError(f"{where}: the {kind} '{name}' uses another {kind}; write it out.", _FIX)
        return dict(value)

    def _meanings(self, value: object, maps: _Maps) -> dict[str, Meaning]:
        meanings: dict[str, Meaning] = {}
        for number, item in enumerate(_array(value, self.file, "meaning"), start=1):
            meaning = self._meaning(item, f"{self.file}, meaning {number}", maps)
            if meaning.id in meanings:
                raise DecoderTableError(f"{self.file}, meaning {number}: the id '{meaning.id}' is used twice.", "Give each meaning its own id.")
            meanings[meaning.id] = meaning
        for rule in RuleMeaning:
            if rule not in meanings:
                raise DecoderTableError(f"{self.file} has no meaning with the id '{rule}', which the decoder's rules use.",
                                        "Restore it from version control.")
        for digit in range(1, 6):
            if digit not in maps.status_classes:
                raise DecoderTableError(f"{self.file}: no meaning lists \"{digit}xx\", so some HTTP statuses would have none.",
                                        f"Add \"{digit}xx\" to the http_statuses of one meaning.")
        return meanings

    def _meaning(self, item: object, where: str, maps: _Maps) -> Meaning:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            where = f"{where} ('{item['id']}')"
        item = _fields(item, where, _MEANING_REQUIRED, _MEANING_OPTIONAL)
        if not isinstance(item["id"], str) or not SLUG.fullmatch(item["id"]):
            raise DecoderTableError(f"{where}: the id must be lowercase letters, digits and dashes, like 'rate-limited'.", _FIX)
        causes = []
        for number, cause in enumerate(_array(item["cause"], where, "meaning.cause"), start=1):
            fields = _fields(cause, f"{where}, cause {number}", ["text"], ["faq", *_translated("text")])
            causes.append(Cause(self._text(fields, "text", f"{where}, cause {number}"), _slug(fields, "faq", f"{where}, cause {number}")))
        meaning = Meaning(
            id=item["id"],
            title=self._text(item, "title", where),
            meaning=self._text(item, "meaning", where),
            causes=tuple(causes),
            steps=self._texts(item, "steps", where),
            first=_slugs(item, "first", where),
            also=_slugs(item, "also", where),
        )
        statuses = self._claim_all(item, meaning, where, maps)
        self._notes(item, set(item.get("codes", [])) | {str(s) for s in statuses}, where, maps)
        return meaning

    def _claim_all(self, item: dict[str, Any], meaning: Meaning, where: str, maps: _Maps) -> list[int]:
        """Point the meaning's codes, OAuth errors, headers and statuses to it. Returns the HTTP statuses it lists."""
        for code in _listed(item, "codes", where, _CODE, "a Walmart code in capitals without its \".GMP_...\" part, like UNAUTHORIZED"):
            maps.claim(maps.codes, code, meaning, where, "the code")
        for name in _listed(item, "oauth_errors", where, _OAUTH_ERROR, "an OAuth error in lowercase, like invalid_grant"):
            maps.claim(maps.oauth_errors, name, meaning, where, "the OAuth error")
        for header in _listed(item, "headers", where, _HEADER, "a Walmart header name in capitals, like WM_SVC.NAME"):
            maps.claim(maps.headers, header, meaning, where, "the header")
        statuses = item.get("http_statuses", [])
        if not isinstance(statuses, list):
            raise DecoderTableError(f"{where}: 'http_statuses' must be a list.", _FIX)
        numbers = []
        for status in statuses:
            if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
                maps.claim(maps.statuses, status, meaning, where, "the HTTP status")
                numbers.append(status)
            elif isinstance(status, str) and (found := _STATUS_CLASS.fullmatch(status)):
                maps.claim(maps.status_classes, int(found.group(1)), meaning, where, "the HTTP statuses")
            else:
                raise DecoderTableError(f"{where}: http_statuses has {status!r}; use numbers like 401 or classes like \"4xx\".", _FIX)
        return numbers

    def _notes(self, item: dict[str, Any], listed: set[str], where: str, maps: _Maps) -> None:
        for number, note in enumerate(_array(item.get("note", []), where, "meaning.note", empty=True), start=1):
            fields = _fields(note, f"{where}, note {number}", ["code", "text"], _translated("text"))
            code = fields["code"]
            if not isinstance(code, str):
                raise DecoderTableError(f"{where}, note {number}: 'code' must be text, like \"413\" or \"METHOD_NOT_ALLOWED\".", _FIX)
            if code not in listed:
                raise DecoderTableError(f"{where}, note {number}: the code {code!r} is not one this meaning lists.",
                                        "A note is for one of the meaning's codes or HTTP statuses; list it there first.")
            if code in maps.notes:
                raise DecoderTableError(f"{where}, note {number}: the code {code!r} has a note already.", "Keep one note per code.")
            maps.notes[code] = self._text(fields, "text", f"{where}, note {number}")

    def _wording(self, item: object, where: str, meanings: dict[str, Meaning]) -> WordingRule:
        if isinstance(item, dict) and isinstance(item.get("label"), str):
            where = f"{where} ('{item['label']}')"
        item = _fields(item, where, ["label", "meaning"], [*_WORDING_OPTIONAL, *_translated("label")])
        if not isinstance(item["meaning"], str) or item["meaning"] not in meanings:
            raise DecoderTableError(f"{where}: there is no meaning with the id {item['meaning']!r}.", _FIX)
        shape = {name for name in _WORDING_OPTIONAL if name in item}
        if shape == {"pattern"}:
            regex = self._pattern(item, "pattern", where)
        elif shape in ({"subject", "problem"}, {"subject", "problem", "also"}):
            pieces = {name: self._pattern(item, name, where) for name in ("subject", "problem", "also") if name in item}
            for name, piece in pieces.items():
                _compile(piece, where, name)
            subject, problem = pieces["subject"], pieces["problem"]
            regex = rf"(?:{subject}){_NEAR}{_WORD_START}(?:{problem})|{_WORD_START}(?:{problem}){_NEAR}(?:{subject})"
            if "also" in pieces:
                regex += "|" + pieces["also"]
        else:
            raise DecoderTableError(f"{where} needs either pattern, or subject and problem (and perhaps also).", _FIX)
        return WordingRule(self._text(item, "label", where), meanings[item["meaning"]], _compile(regex, where, "pattern"))

    # --- fields ------------------------------------------------------------------------------------

    def _text(self, item: dict[str, Any], name: str, where: str) -> str:
        """A text in this reader's language: its translation when there is one, else the English text (noted)."""
        if translated := self._translation(item, name, where, str):
            return self._fill(" ".join(translated.split()), name + self.suffix, where, self.translated_phrases)
        value = item[name]
        if not isinstance(value, str) or not value.strip():
            raise DecoderTableError(f"{where}: '{name}' must be non-empty text.", _FIX)
        return self._fill(" ".join(value.split()), name, where)  # a line break in the file is a space on screen

    def _texts(self, item: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
        value = item[name]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise DecoderTableError(f"{where}: '{name}' must be a list of at least one non-empty text.", _FIX)
        if translated := self._translation(item, name, where, list):
            if len(translated) != len(value):  # numbered steps must say the same thing in every language
                raise DecoderTableError(_("{where}: '{key}' has {found} steps but '{name}' has {wanted}.", where=where, key=name + self.suffix,
                                          found=len(translated), name=name, wanted=len(value)),
                                        _("Translate each step into one step, in the same order."))
            return tuple(self._fill(" ".join(v.split()), name + self.suffix, where, self.translated_phrases) for v in translated)
        return tuple(self._fill(" ".join(v.split()), name, where) for v in value)

    def _translation(self, item: dict[str, Any], name: str, where: str, kind: type[str] | type[list[Any]]) -> Any:
        """The translated field beside `name` (title_zh beside title), or None after noting that it is missing."""
        if not self.suffix:
            return None
        key = name + self.suffix
        value: object = item.get(key)
        if kind is str and isinstance(value, str):
            well_formed, empty = True, not value.strip()
        elif kind is list and isinstance(value, list):
            well_formed, empty = all(isinstance(v, str) and v.strip() for v in value), not value
        else:
            well_formed, empty = value is None, True
        if not well_formed:
            raise DecoderTableError(_("{where}: '{key}' must be {form}.", where=where, key=key,
                                      form=_("text") if kind is str else _("a list of non-empty texts")), _FIX)
        if empty:
            self.untranslated.append(f"{where.removeprefix(self.file).removeprefix(', ')}: {key}".lstrip(": "))
            return None
        return value

    def _fill(self, text: str, name: str, where: str, phrases: dict[str, str] | None = None) -> str:
        """Fill in the {phrases}; a translated text takes the translated phrases, or the English one (noted) where missing."""
        for phrase in _NAME.findall(text):
            if phrase not in self.phrases:
                raise DecoderTableError(f"{where}: '{name}' uses the unknown phrase {{{phrase}}}.",
                                        f"Use one of: {', '.join('{' + p + '}' for p in self.phrases) or 'none, [phrases] is empty'}.")
        return _NAME.sub(lambda found: (phrases or {}).get(found.group(1)) or self.phrases[found.group(1)], text)

    def _pattern(self, item: dict[str, Any], name: str, where: str) -> str:
        value = item[name]
        if not isinstance(value, str) or not value.strip():
            raise DecoderTableError(f"{where}: '{name}' must be a non-empty pattern.", _FIX)
        for word in _NAME.findall(value):
            if word not in self.words:
                raise DecoderTableError(f"{where}: '{name}' uses the unknown word {{{word}}}.",
                                        f"Use one of: {', '.join('{' + w + '}' for w in self.words)}.")
        return _NAME.sub(lambda found: f"(?:{self.words[found.group(1)]})", value)  # grouped: a word may hold alternatives


class _Maps:
    """What points to which meaning. A code, header or status may point to one meaning only."""

    def __init__(self) -> None:
        self.codes: dict[str, Meaning] = {}
        self.oauth_errors: dict[str, Meaning] = {}
        self.headers: dict[str, Meaning] = {}
        self.statuses: dict[int, Meaning] = {}
        self.status_classes: dict[int, Meaning] = {}
        self.notes: dict[str, str] = {}

    def claim(self, mapping: dict[Any, Meaning], key: str | int, meaning: Meaning, where: str, kind: str) -> None:
        shown = f"{key}xx" if mapping is self.status_classes else key
        if key in mapping:
            raise DecoderTableError(f"{where}: {kind} {shown} is listed by the meaning '{mapping[key].id}' already.",
                                    "List each code, OAuth error, header and status under one meaning only.")
        mapping[key] = meaning


def _fields(item: object, where: str, required: Sequence[str], optional: Sequence[str]) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise DecoderTableError(f"{where} is not a table of fields.", _FIX)
    unknown = sorted(set(item) - set(required) - set(optional))
    if unknown:  # most likely a typo such as "step", which would otherwise be silently ignored
        raise DecoderTableError(f"{where} has unknown field(s): {', '.join(unknown)}.", _FIX)
    for name in required:
        if name not in item:
            raise DecoderTableError(f"{where} lacks the field '{name}'.", _FIX)
    return item


def _array(value: object, where: str, section: str, empty: bool = False) -> list[object]:
    """An array of tables, such as the [[meaning]] sections."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DecoderTableError(f"{where}: '{section.rpartition('.')[2]}' must be written as [[{section}]] sections.", _FIX)
    if not value and not empty:
        raise DecoderTableError(f"{where} has no [[{section}]] sections.", _FIX)
    return value


def _slug(item: dict[str, Any], name: str, where: str) -> str | None:
    value = item.get(name)
    if value is not None and not (isinstance(value, str) and SLUG.fullmatch(value)):
        raise DecoderTableError(f"{where}: '{name}' must be an FAQ id, like 'rate-limited'.", _FIX)
    return value


def _slugs(item: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = item.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and SLUG.fullmatch(v) for v in value):
        raise DecoderTableError(f"{where}: '{name}' must be a list of FAQ ids, like 'rate-limited'.", _FIX)
    return tuple(value)


def _listed(item: dict[str, Any], name: str, where: str, form: re.Pattern[str], like: str) -> list[str]:
    value = item.get(name, [])
    if not isinstance(value, list):
        raise DecoderTableError(f"{where}: '{name}' must be a list.", _FIX)
    for entry in value:
        if not isinstance(entry, str) or not form.fullmatch(entry):
            raise DecoderTableError(f"{where}: {name} has {entry!r}; each must be {like}.", _FIX)
    return value


def _compile(regex: str, where: str, name: str) -> re.Pattern[str]:
    try:
        return re.compile(regex, re.IGNORECASE)
    except re.error as problem:
        raise DecoderTableError(f"{where}: '{name}' is not a valid regular expression: {problem}.",
                                "Check its brackets and backslashes; the patterns are Python regular expressions.") from None
