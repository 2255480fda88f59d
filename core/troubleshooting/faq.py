"""The FAQ: data/faq.toml loaded and validated, its entries looked up by id, topic, code, finding and status.

Staff edit the file without touching code, so every mistake in it is reported
with the file and the entry, and the loaded copy follows the file's changes.
Ranking entries against a query is search.py's job.

Each entry is written in English and in Simplified Chinese: `question_zh` beside `question`, and so on,
with the topics' Chinese names in the file's [topic_zh] table. An entry gives its text in the current
language (core.i18n). A missing translation falls back to the English field and is listed in the entry's
`untranslated`, which a test requires to be empty, so a gap never reaches a release unnoticed.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date

from core.authorization.outcome import Status
from core.config import DATA_DIR, DEFAULTS, Settings
from core.errors import StoreConnectError
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, current_language
from core.stores.prechecks import FindingCode

FAQ_PATH = DATA_DIR / "faq.toml"
_REQUIRED = ("id", "topic", "question", "answer", "steps")
_LISTS = ("keywords", "codes", "findings", "statuses")
# The suffix of each translation's fields: question_zh is the Chinese question.
TRANSLATIONS: Mapping[str, str] = {"zh-CN": "_zh"}
TRANSLATED = ("question", "answer", "steps", "keywords")  # the fields each translation gives
_TRANSLATION_FIELDS = tuple(f"{name}{suffix}" for suffix in TRANSLATIONS.values() for name in TRANSLATED)
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # the form of an id: lowercase words joined by dashes
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]*)\}")


class FaqError(StoreConnectError):
    """The FAQ file is missing or malformed. The message names the file and the entry."""


@dataclass(frozen=True)
class EntryText:
    """An entry's words in one language."""

    topic: str
    question: str
    answer: str
    steps: tuple[str, ...]
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class FaqEntry:
    """One question and its answer. `question`, `answer`, `steps`, `keywords` and `heading` are in the current language."""

    id: str
    topic: str  # the English topic: what entries are grouped by, whatever the language shown
    texts: Mapping[str, EntryText]  # by language tag, every supported language (gaps filled with English)
    codes: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    untranslated: tuple[str, ...] = ()  # the translation fields missing or empty, e.g. "question_zh"

    def text(self, language: str | None = None) -> EntryText:
        return self.texts.get(language or current_language()) or self.texts[DEFAULT_LANGUAGE]

    @property
    def heading(self) -> str:
        """The topic in the current language."""
        return self.text().topic

    @property
    def question(self) -> str:
        return self.text().question

    @property
    def answer(self) -> str:
        return self.text().answer

    @property
    def steps(self) -> tuple[str, ...]:
        return self.text().steps

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.text().keywords

    def to_dict(self) -> dict[str, str | list[str]]:
        """The entry in the current language; the keys never change with it."""
        return {
            "id": self.id, "topic": self.topic, "heading": self.heading, "question": self.question, "answer": self.answer,
            "steps": list(self.steps), "keywords": list(self.keywords),
            "codes": list(self.codes), "findings": list(self.findings), "statuses": list(self.statuses),
        }


def code_key(code: str) -> str:
    """Compare codes loosely: "UNAUTHORIZED.GMP_GATEWAY_API" answers to "unauthorized", "HTTP 401" to "401"."""
    code = code.strip()
    head, dot, service = code.rpartition(".")
    if dot and (service.upper().startswith("GMP_") or service.upper().endswith("_API")):
        code = head  # Walmart codes end in the name of the service that raised them
    return code.casefold()


class Faq:
    def __init__(self, entries: Iterable[FaqEntry], source: Path | None = None):
        self.entries = tuple(entries)
        self.source = source
        self._by_id = {entry.id: entry for entry in self.entries}

    def __iter__(self) -> Iterator[FaqEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str | None) -> FaqEntry | None:
        return self._by_id.get((entry_id or "").strip())

    def untranslated(self) -> dict[str, tuple[str, ...]]:
        """Entry id -> the translation fields it lacks, for every entry that lacks one."""
        return {entry.id: entry.untranslated for entry in self.entries if entry.untranslated}

    def topics(self) -> dict[str, list[FaqEntry]]:
        """Entries grouped by their English topic, in file order; show `entries[0].heading` as the title."""
        grouped: dict[str, list[FaqEntry]] = {}
        for entry in self.entries:
            grouped.setdefault(entry.topic, []).append(entry)
        return grouped

    def overview(self) -> list[FaqEntry]:
        """The first entry of each topic: where to start when nothing more specific is known."""
        return [entries[0] for entries in self.topics().values()]

    # Lookups keep file order, so the first answer listed for a code is the one linked first.
    def for_finding(self, code: str) -> list[FaqEntry]:
        return [e for e in self.entries if str(code) in e.findings]

    def for_status(self, status: str) -> list[FaqEntry]:
        return [e for e in self.entries if str(status) in e.statuses]

    def for_code(self, code: str | int) -> list[FaqEntry]:
        wanted = code_key(str(code))
        return [e for e in self.entries if any(code_key(c) == wanted for c in e.codes)]


# --- Loading -----------------------------------------------------------------------------------

def format_deadline(day: date, language: str = DEFAULT_LANGUAGE) -> str:
    """"April 30, 2027" in English, "2027年4月30日" in Chinese."""
    return format_date(day, format="long", locale=LANGUAGES[language][1])


def load_faq(path: Path | str = FAQ_PATH, deadline: date | None = None) -> Faq:
    """Load and validate the FAQ, filling placeholders such as {delegated_access_deadline}.

    Cached per file version: an edited file is read again on the next call.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise FaqError(_("The FAQ file {path} is missing.", path=path), _("Restore data/faq.toml from version control.")) from None
    if deadline is None:
        deadline = date.fromisoformat(DEFAULTS["DELEGATED_ACCESS_DEADLINE"])
    return _load(str(path), stat.st_mtime_ns, stat.st_size, deadline)


def faq_for(settings: Settings) -> Faq:
    """The FAQ with the values of these settings filled in."""
    return load_faq(FAQ_PATH, settings.delegated_access_deadline)


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int, _size: int, deadline: date) -> Faq:
    fix = _("Correct it in the file; the comment at the top of the file lists the fields.")
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        raise FaqError(_("The FAQ file {path} cannot be read: {problem}.", path=path, problem=problem),
                       _("Check the file exists and is saved as UTF-8.")) from None
    except tomllib.TOMLDecodeError as problem:
        raise FaqError(_("The FAQ file {path} is not valid TOML: {problem}.", path=path, problem=problem), fix) from None
    raw = data.get("entry")
    if not isinstance(raw, list) or not raw:
        raise FaqError(_("The FAQ file {path} has no [[entry]] sections.", path=path), fix)
    topic_names = _topic_names(data, path, fix)
    values = {language: {"delegated_access_deadline": format_deadline(deadline, language)} for language in LANGUAGES}
    entries, seen = [], set()
    for number, item in enumerate(raw, start=1):
        entry = _entry(item, f"The FAQ file {path}, entry {number}", values, topic_names, fix)
        if entry.id in seen:
            raise FaqError(f"The FAQ file {path}, entry {number}: the id '{entry.id}' is used twice.", "Give each entry its own id.")
        seen.add(entry.id)
        entries.append(entry)
    return Faq(entries, Path(path))


def _topic_names(data: dict[str, Any], path: str, fix: str) -> dict[str, dict[str, str]]:
    """Language tag -> English topic -> its name in that language, from the [topic_zh] tables."""
    names: dict[str, dict[str, str]] = {}
    for language, suffix in TRANSLATIONS.items():
        table = data.get(f"topic{suffix}", {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise FaqError(_("The FAQ file {path}: [topic{suffix}] must be a table of \"English topic\" = \"translated topic\".",
                             path=path, suffix=suffix), fix)
        names[language] = {topic: name.strip() for topic, name in table.items() if name.strip()}
    return names


def _entry(item: object, where: str, values: dict[str, dict[str, str]], topic_names: dict[str, dict[str, str]], fix: str) -> FaqEntry:
    if not isinstance(item, dict):
        raise FaqError(f"{where} is not a table of fields.", fix)
    if isinstance(item.get("id"), str):
        where = f"{where} ('{item['id']}')"
    unknown = sorted(set(item) - set(_REQUIRED) - set(_LISTS) - set(_TRANSLATION_FIELDS))
    if unknown:  # most likely a typo such as "keyword", which would otherwise be silently ignored
        raise FaqError(f"{where} has unknown field(s): {', '.join(unknown)}.", fix)
    for name in _REQUIRED:
        if name not in item:
            raise FaqError(f"{where} lacks the field '{name}'.", fix)
    for name in ("id", "topic", "question", "answer"):
        if not isinstance(item[name], str) or not item[name].strip():
            raise FaqError(f"{where}: '{name}' must be non-empty text.", fix)
    if not SLUG.fullmatch(item["id"]):
        raise FaqError(f"{where}: the id must be lowercase letters, digits and dashes, like 'rate-limited'.", fix)
    lists = {name: item.get(name, []) for name in ("steps", *_LISTS)}
    for name, value in lists.items():
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise FaqError(f"{where}: '{name}' must be a list of non-empty texts.", fix)
    if not lists["steps"]:
        raise FaqError(f"{where}: 'steps' needs at least one step.", fix)
    _known(where, "findings", lists["findings"], {str(c) for c in FindingCode})
    _known(where, "statuses", lists["statuses"], {str(s) for s in Status})
    topic = item["topic"].strip()
    english = EntryText(topic, item["question"], item["answer"], tuple(lists["steps"]), tuple(lists["keywords"]))
    texts = {DEFAULT_LANGUAGE: _filled(english, where, values[DEFAULT_LANGUAGE])}
    missing: list[str] = []
    for language, suffix in TRANSLATIONS.items():
        translated, gaps = _translation(item, english, suffix, where, fix)
        if topic not in topic_names[language]:
            gaps.insert(0, f"topic{suffix}")
        texts[language] = _filled(EntryText(topic_names[language].get(topic, topic), *translated), where, values[language])
        missing += gaps
    return FaqEntry(
        id=item["id"],
        topic=topic,
        texts=texts,
        codes=tuple(v.strip() for v in lists["codes"]),
        findings=tuple(v.strip() for v in lists["findings"]),
        statuses=tuple(v.strip() for v in lists["statuses"]),
        untranslated=tuple(missing),
    )


def _translation(item: dict[str, Any], english: EntryText, suffix: str, where: str, fix: str) -> tuple[tuple[Any, ...], list[str]]:
    """One translation's question, answer, steps and keywords, with English where a field is missing or empty."""
    fields: list[Any] = []
    gaps: list[str] = []
    for name in TRANSLATED:
        key, value = f"{name}{suffix}", item.get(f"{name}{suffix}")
        if name in ("question", "answer"):
            if value is not None and not isinstance(value, str):
                raise FaqError(_("{where}: '{key}' must be text.", where=where, key=key), fix)
            if not (value or "").strip():
                gaps.append(key)
                value = getattr(english, name)
        else:
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value)):
                raise FaqError(_("{where}: '{key}' must be a list of non-empty texts.", where=where, key=key), fix)
            if not value:
                gaps.append(key)
                value = getattr(english, name)
            elif name == "steps" and len(value) != len(english.steps):  # numbered steps must say the same thing
                raise FaqError(_("{where}: '{key}' has {found} steps but 'steps' has {wanted}.",
                                 where=where, key=key, found=len(value), wanted=len(english.steps)),
                               _("Translate each step into one step, in the same order."))
            value = tuple(value)
        fields.append(value)
    return tuple(fields), gaps


def _filled(text: EntryText, where: str, values: dict[str, str]) -> EntryText:
    """The text with its placeholders filled in, extra spaces and line breaks from the file removed."""

    def fill(value: str) -> str:
        for name in _PLACEHOLDER.findall(value):
            if name not in values:
                raise FaqError(f"{where} uses the unknown placeholder {{{name}}}.", f"Use one of: {', '.join('{' + v + '}' for v in values)}.")
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], value).strip()

    return EntryText(
        topic=text.topic,
        question=fill(text.question),
        answer=fill(" ".join(text.answer.split())),  # TOML line continuations leave double spaces
        steps=tuple(fill(step) for step in text.steps),
        keywords=tuple(keyword.strip() for keyword in text.keywords),
    )


def _known(where: str, name: str, values: list[str], allowed: set[str]) -> None:
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise FaqError(f"{where}: unknown {name} {', '.join(wrong)}.", f"Use one of: {', '.join(sorted(allowed))}.")
