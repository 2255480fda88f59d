"""Searching the FAQ: entries ranked by how well a query's terms match, favouring the question, tolerating typos.

A query is read in the language it is written in: one with Chinese characters is compared with the entries'
Chinese text, any other with their English text. Codes, headers and statuses count in both. What a term is
(stems, Chinese character pairs, synonyms) is terms.py's; this module weighs them. Ranking lives apart from
the entries (faq.py) so it can change without touching how the file is read.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from core.i18n import DEFAULT_LANGUAGE
from core.troubleshooting.faq import EntryText, Faq, FaqEntry
from core.troubleshooting.terms import Analyzer, Term, default_analyzer, is_chinese

CHINESE = "zh-CN"
# How much a term counts depending on where it is found: the question says best what an entry is about, then
# its codes (most for the first entry listing a code, the one linked first), then the words people search with
# (as much as the question when the query is one of them word for word); the answer and the steps count less.
FIELD_WEIGHTS = {"question": 1.0, "codes": 0.95, "more_codes": 0.9, "keywords": 0.85, "topic": 0.6, "answer": 0.6, "steps": 0.5}
_FUZZY_CUTOFF = 75  # below this, two words are different words, not a typo
_PHRASE_SHARE = 0.15  # the part of the score that compares the whole query with the question and keywords
MIN_SCORE = 45.0
MAX_TERMS = 40  # a whole pasted log must not make one search take seconds


@dataclass(frozen=True)
class Match:
    entry: FaqEntry
    score: float  # 0-100


@dataclass(frozen=True)
class _Field:
    keys: frozenset[str]
    ordered: tuple[str, ...]  # the keys sorted, for prefix look-ups
    words: tuple[str, ...]  # the English words as written, for typos
    phrases: frozenset[tuple[str, ...]] = frozenset()  # each text's terms, for a query that is one of them word for word


def _weight(name: str, said: tuple[str, ...], entry: dict[str, _Field]) -> float:
    """A field's weight; a query that is one of the entry's keywords word for word counts as if asked in the question."""
    if name == "keywords" and said in entry[name].phrases:
        return FIELD_WEIGHTS["question"]
    return FIELD_WEIGHTS[name]


def query_language(query: str) -> str:
    """The language whose text a query is compared with: Chinese if it has Chinese characters."""
    return CHINESE if is_chinese(query) else DEFAULT_LANGUAGE


def search(faq: Faq, query: str, limit: int = 8, min_score: float = MIN_SCORE, analyzer: Analyzer | None = None) -> list[Match]:
    """Entries ranked by how well the query's terms match, best first.

    Each term counts by how rare it is among the entries (so "bundle" outweighs "seller") and by the field
    it is found in; a term no entry knows is left out rather than held against every entry.
    """
    query = (query or "").strip()
    if not query:
        return []
    analyzer = analyzer or default_analyzer()
    language = query_language(query)
    fields = _index(faq, analyzer, language)
    exact = faq.get(query.casefold())
    terms = list({term.key: term for term in analyzer.query_terms(query)}.values())[:MAX_TERMS]
    said = tuple(term.key for term in analyzer.terms(query))
    known = {term.key for term in terms if any(_term_score(term, entry[name], typos=False) for entry in fields for name in FIELD_WEIGHTS)}
    table = [[max(_weight(name, said, entry) * _term_score(term, entry[name], typos=term.key not in known) for name in FIELD_WEIGHTS)
              for term in terms] for entry in fields]
    rarity = []
    for column in range(len(terms)):
        found_in = sum(row[column] > 0 for row in table)
        rarity.append(math.log(1 + len(faq.entries) / found_in) if found_in else 0.0)
    total = sum(rarity)
    scored = []
    for position, (entry, row) in enumerate(zip(faq.entries, table)):
        if entry is exact:
            score = 100.0
        elif total:
            phrase = _phrase_score(query.casefold(), entry.text(language))
            score = (1 - _PHRASE_SHARE) * sum(r * s for r, s in zip(rarity, row)) / total + _PHRASE_SHARE * phrase
        else:
            continue
        if score >= min_score:
            scored.append((-score, position, Match(entry, round(score, 1))))
    return [match for *_, match in sorted(scored, key=lambda item: item[:2])][:limit]


def _phrase_score(query: str, text: EntryText) -> float:
    """How close the whole query is to the question, or to one of the phrases people search this entry with."""
    keywords = process.extractOne(query, [k.casefold() for k in text.keywords], scorer=fuzz.ratio) if text.keywords else None
    return max(fuzz.WRatio(query, text.question.casefold()), keywords[1] if keywords else 0.0)


@lru_cache(maxsize=16)
def _index(faq: Faq, analyzer: Analyzer, language: str) -> tuple[dict[str, _Field], ...]:
    """Each entry's terms by field, in one language. Built once per Faq: load_faq hands back the same one until its file changes."""

    def field(*texts: str) -> _Field:
        per_text = [analyzer.terms(text) for text in texts]
        terms = [term for text_terms in per_text for term in text_terms]
        keys = frozenset(term.key for term in terms)
        phrases = frozenset(tuple(term.key for term in text_terms) for text_terms in per_text)
        return _Field(keys, tuple(sorted(keys)), tuple(sorted({term.word for term in terms if term.word})), phrases)

    first_listed: dict[str, FaqEntry] = {}  # a code counts most for the first entry listing it, the one linked first
    for entry in faq.entries:
        for code in (*entry.codes, *entry.findings, *entry.statuses):
            first_listed.setdefault(code.casefold(), entry)
    index = []
    for entry in faq.entries:
        text = entry.text(language)
        codes = [code for code in (*entry.codes, *entry.findings, *entry.statuses)]
        index.append({
            "question": field(text.question),
            "keywords": field(*text.keywords),
            "codes": field(*(code for code in codes if first_listed[code.casefold()] is entry)),
            "more_codes": field(*(code for code in codes if first_listed[code.casefold()] is not entry)),
            "topic": field(text.topic),
            "answer": field(text.answer),
            "steps": field(*text.steps),
        })
    return tuple(index)


def _term_score(term: Term, field: _Field, typos: bool = True) -> float:
    """100 for the term itself, 90 for a word it starts or a longer form of it, else how close a typo comes (or 0)."""
    if term.key in field.keys:
        return 100.0
    if term.concept or not term.word:  # concepts and Chinese pairs match exactly or not at all
        return 0.0
    key = term.key
    if len(key) >= 3 and any(other.startswith(key) for other in field.ordered):
        return 90.0  # the start of a word, as people type it
    if any(len(other) >= 4 and key.startswith(other) and len(key) - len(other) <= 2 for other in field.ordered):
        return 90.0  # failure -> failur, which the stemmer keeps apart from fail
    if not typos or len(term.word) <= 3 or not field.words:
        return 0.0  # a word some entry uses is not a typo; a short one is too short to tell
    found = process.extractOne(term.word, field.words, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
    return float(found[1]) if found else 0.0
