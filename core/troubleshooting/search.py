"""Searching the FAQ: entries ranked by how well a query's words match, tolerating typos ("sandbx keys").

Ranking lives apart from the entries (faq.py) so it can change without touching how the file is read.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from core.troubleshooting.faq import Faq, FaqEntry

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


@dataclass(frozen=True)
class Match:
    entry: FaqEntry
    score: float  # 0-100


def search(faq: Faq, query: str, limit: int = 8, min_score: float = MIN_SCORE) -> list[Match]:
    """Entries ranked by how well the query's words match, tolerating typos ("sandbx keys").

    Each word counts by how rare it is among the entries (so "bundle" outweighs "seller"), and a
    word no entry knows is left out rather than held against every entry.
    """
    query = (query or "").strip()
    if not query:
        return []
    vocabularies = _vocabularies(faq)
    exact = faq.get(query.casefold())
    terms = _unique([w for w in _words(query) if w not in _STOPWORDS] or _words(query))[:MAX_TERMS]
    table = [[max(weight * _term_score(term, vocab[name]) for name, weight in _FIELD_WEIGHTS.items()) for term in terms]
             for vocab in vocabularies]
    rarity = []
    for column in range(len(terms)):
        found_in = sum(row[column] >= _FUZZY_CUTOFF for row in table)
        rarity.append(math.log(1 + len(faq.entries) / found_in) if found_in else 0.0)
    total = sum(rarity)
    scored = []
    for position, (entry, row) in enumerate(zip(faq.entries, table)):
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


@lru_cache(maxsize=8)
def _vocabularies(faq: Faq) -> tuple[dict[str, list[str]], ...]:
    """Each entry's words by field. Built once per Faq: load_faq hands back the same one until its file changes."""
    return tuple(
        {
            "question": _vocabulary([e.question]),
            "keywords": _vocabulary(e.keywords),
            "codes": _vocabulary([*e.codes, *e.findings, *e.statuses]),
            "topic": _vocabulary([e.topic]),
            "answer": _vocabulary([e.answer]),
            "steps": _vocabulary(e.steps),
        }
        for e in faq.entries
    )


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _vocabulary(texts: Iterable[str]) -> list[str]:
    words = set()
    for text in texts:
        for word in _words(text):
            words.add(word)
            words.update(part for part in re.split(r"['._-]", word) if part)  # "wm_qos.correlation_id" -> "correlation"
    return sorted(words)


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
