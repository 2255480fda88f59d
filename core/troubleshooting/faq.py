"""The FAQ: data/faq.toml loaded and validated, its entries looked up by id, topic, code, finding and status.

Staff edit the file without touching code, so every mistake in it is reported
with the file and the entry, and the loaded copy follows the file's changes.
Ranking entries against a query is search.py's job.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from core.authorization.outcome import Status
from core.config import DATA_DIR, DEFAULTS, Settings
from core.errors import StoreConnectError
from core.stores.prechecks import FindingCode

FAQ_PATH = DATA_DIR / "faq.toml"
_REQUIRED = ("id", "topic", "question", "answer", "steps")
_LISTS = ("keywords", "codes", "findings", "statuses")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # the form of an id: lowercase words joined by dashes
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]*)\}")


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

    def to_dict(self) -> dict[str, str | list[str]]:
        return {name: list(value) if isinstance(value, tuple) else value for name, value in vars(self).items()}


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


def faq_for(settings: Settings) -> Faq:
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


def _entry(item: object, where: str, values: dict[str, str], fix: str) -> FaqEntry:
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
