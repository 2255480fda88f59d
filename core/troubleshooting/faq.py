"""The FAQ: data/faq.toml loaded and validated, searched with typo tolerance, looked up by code.

Staff edit the file without touching code, so every mistake in it is reported
with the file and the entry, and the loaded copy follows the file's changes.
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from core.authorization.outcome import Status
from core.config import DATA_DIR, DEFAULTS
from core.errors import StoreConnectError
from core.stores.prechecks import FindingCode

FAQ_PATH = DATA_DIR / "faq.toml"
_REQUIRED = ("id", "topic", "question", "answer", "steps")
_LISTS = ("keywords", "codes", "findings", "statuses")
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]*)\}")
_WORD = re.compile(r"[a-z0-9]+(?:['._-][a-z0-9]+)*")
# Words that say nothing about the subject; dropping them keeps "how do I ..." from matching everything.
_STOPWORDS = frozenset(
    "a an and are as at be but by can cannot do does for from has have how i if in is it its me my no not of on or "
    "our should so that the their them there these they this to was we what when where which who why will with "
    "you your".split()
)
# How much a word counts depending on where it is found: the question and keywords say what an entry is about.
_FIELD_WEIGHTS = {"question": 1.0, "keywords": 1.0, "codes": 1.0, "topic": 0.8, "answer": 0.85, "steps": 0.7}
_FUZZY_CUTOFF = 75  # below this, two words are different words, not a typo
MIN_SCORE = 50.0
MAX_TERMS = 40  # a whole pasted log must not make one search take seconds


class FaqError(StoreConnectError):
    """The FAQ file is missing or malformed. The message names the file and the entry."""


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    question: str
    answer: str
    steps: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {name: list(value) if isinstance(value, tuple) else value for name, value in vars(self).items()}


@dataclass(frozen=True)
class Match:
    entry: FaqEntry
    score: float  # 0-100


def code_key(code: str) -> str:
    """Compare codes loosely: "UNAUTHORIZED.GMP_GATEWAY_API" answers to "unauthorized", "HTTP 401" to "401"."""
    code = code.strip()
    head, dot, service = code.rpartition(".")
    if dot and (service.upper().startswith("GMP_") or service.upper().endswith("_API")):
        code = head  # Walmart codes end in the name of the service that raised them
    return code.casefold()


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _vocabulary(texts) -> list[str]:
    words = set()
    for text in texts:
        for word in _words(text):
            words.add(word)
            words.update(part for part in re.split(r"['._-]", word) if part)  # "wm_qos.correlation_id" -> "correlation"
    return sorted(words)


class Faq:
    def __init__(self, entries: list[FaqEntry], source: Path | None = None):
        self.entries = tuple(entries)
        self.source = source
        self._by_id = {entry.id: entry for entry in self.entries}
        self._vocab = [
            {
                "question": _vocabulary([e.question]),
                "keywords": _vocabulary(e.keywords),
                "codes": _vocabulary([*e.codes, *e.findings, *e.statuses]),
                "topic": _vocabulary([e.topic]),
                "answer": _vocabulary([e.answer]),
                "steps": _vocabulary(e.steps),
            }
            for e in self.entries
        ]

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str | None) -> FaqEntry | None:
        return self._by_id.get((entry_id or "").strip())

    def topics(self) -> dict[str, list[FaqEntry]]:
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

    def search(self, query: str, limit: int = 8, min_score: float = MIN_SCORE) -> list[Match]:
        """Entries ranked by how well the query's words match, tolerating typos ("sandbx keys").

        Each word counts by how rare it is among the entries (so "bundle" outweighs "seller"), and a
        word no entry knows is left out rather than held against every entry.
        """
        query = (query or "").strip()
        if not query:
            return []
        exact = self.get(query.casefold())
        terms = _unique([w for w in _words(query) if w not in _STOPWORDS] or _words(query))[:MAX_TERMS]
        table = [[max(weight * _term_score(term, vocab[name]) for name, weight in _FIELD_WEIGHTS.items()) for term in terms]
                 for vocab in self._vocab]
        rarity = []
        for column in range(len(terms)):
            found_in = sum(row[column] >= _FUZZY_CUTOFF for row in table)
            rarity.append(math.log(1 + len(self.entries) / found_in) if found_in else 0.0)
        total = sum(rarity)
        scored = []
        for position, (entry, row) in enumerate(zip(self.entries, table)):
            if entry is exact:
                score = 100.0
            elif total:
                phrase = fuzz.WRatio(query.casefold(), f"{entry.question} {' '.join(entry.keywords)}".casefold())
                score = 0.8 * sum(r * s for r, s in zip(rarity, row)) / total + 0.2 * phrase
            else:
                continue
            if score >= min_score:
                scored.append((-score, position, Match(entry, round(score, 1))))
        return [match for *_, match in sorted(scored, key=lambda item: item[:2])][:limit]


def _term_score(term: str, vocab: list[str]) -> float:
    if not vocab:
        return 0.0
    if term in vocab:
        return 100.0
    if len(term) >= 3 and any(word.startswith(term) for word in vocab):
        return 90.0  # the start of a word, as people type it
    if len(term) <= 3:
        return 0.0  # too short to tell a typo from another word
    found = process.extractOne(term, vocab, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
    return float(found[1]) if found else 0.0


# --- Loading -----------------------------------------------------------------------------------

def format_deadline(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def load_faq(path: Path | str = FAQ_PATH, deadline: date | None = None) -> Faq:
    """Load and validate the FAQ, filling placeholders such as {delegated_access_deadline}.

    Cached per file version: an edited file is read again on the next call.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise FaqError(f"The FAQ file {path} is missing.", "Restore data/faq.toml from version control.") from None
    if deadline is None:
        deadline = date.fromisoformat(DEFAULTS["DELEGATED_ACCESS_DEADLINE"])
    return _load(str(path), stat.st_mtime_ns, stat.st_size, deadline)


def faq_for(settings) -> Faq:
    """The FAQ with the values of these settings filled in."""
    return load_faq(FAQ_PATH, settings.delegated_access_deadline)


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int, _size: int, deadline: date) -> Faq:
    fix = "Correct it in the file; the comment at the top of the file lists the fields."
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        raise FaqError(f"The FAQ file {path} cannot be read: {problem}.", "Check the file exists and is saved as UTF-8.") from None
    except tomllib.TOMLDecodeError as problem:
        raise FaqError(f"The FAQ file {path} is not valid TOML: {problem}.", fix) from None
    raw = data.get("entry")
    if not isinstance(raw, list) or not raw:
        raise FaqError(f"The FAQ file {path} has no [[entry]] sections.", fix)
    values = {"delegated_access_deadline": format_deadline(deadline)}
    entries, seen = [], set()
    for number, item in enumerate(raw, start=1):
        entry = _entry(item, f"The FAQ file {path}, entry {number}", values, fix)
        if entry.id in seen:
            raise FaqError(f"The FAQ file {path}, entry {number}: the id '{entry.id}' is used twice.", "Give each entry its own id.")
        seen.add(entry.id)
        entries.append(entry)
    return Faq(entries, Path(path))


def _entry(item, where: str, values: dict[str, str], fix: str) -> FaqEntry:
    if not isinstance(item, dict):
        raise FaqError(f"{where} is not a table of fields.", fix)
    if isinstance(item.get("id"), str):
        where = f"{where} ('{item['id']}')"
    unknown = sorted(set(item) - set(_REQUIRED) - set(_LISTS))
    if unknown:  # most likely a typo such as "keyword", which would otherwise be silently ignored
        raise FaqError(f"{where} has unknown field(s): {', '.join(unknown)}.", fix)
    for name in _REQUIRED:
        if name not in item:
            raise FaqError(f"{where} lacks the field '{name}'.", fix)
    for name in ("id", "topic", "question", "answer"):
        if not isinstance(item[name], str) or not item[name].strip():
            raise FaqError(f"{where}: '{name}' must be non-empty text.", fix)
    if not _ID.fullmatch(item["id"]):
        raise FaqError(f"{where}: the id must be lowercase letters, digits and dashes, like 'rate-limited'.", fix)
    lists = {name: item.get(name, []) for name in ("steps", *_LISTS)}
    for name, value in lists.items():
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise FaqError(f"{where}: '{name}' must be a list of non-empty texts.", fix)
    if not lists["steps"]:
        raise FaqError(f"{where}: 'steps' needs at least one step.", fix)
    _known(where, "findings", lists["findings"], {str(c) for c in FindingCode})
    _known(where, "statuses", lists["statuses"], {str(s) for s in Status})

    def fill(text: str) -> str:
        for name in _PLACEHOLDER.findall(text):
            if name not in values:
                raise FaqError(f"{where} uses the unknown placeholder {{{name}}}.", f"Use one of: {', '.join('{' + v + '}' for v in values)}.")
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text).strip()

    return FaqEntry(
        id=item["id"],
        topic=item["topic"].strip(),
        question=fill(item["question"]),
        answer=fill(" ".join(item["answer"].split())),  # TOML line continuations leave double spaces
        steps=tuple(fill(step) for step in lists["steps"]),
        **{name: tuple(v.strip() for v in lists[name]) for name in _LISTS},
    )


def _known(where: str, name: str, values: list[str], allowed: set[str]) -> None:
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise FaqError(f"{where}: unknown {name} {', '.join(wrong)}.", f"Use one of: {', '.join(sorted(allowed))}.")
