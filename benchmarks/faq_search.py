"""FAQ search quality: the query suite ranked, per language, with Chinese cut into character pairs and by jieba.

Prints, for each way of cutting Chinese, with and without the synonyms, the share of queries whose expected entry
ranks first and in the top three, in English and in Chinese, and the time per query. The suite is tests/core/troubleshooting/search_queries.toml,
which tests/core/troubleshooting/test_search_quality.py also asserts on (with the shipped analyzer).
jieba is measured only where it is installed (`pip install jieba==0.42.1`, the version measured); the project does not need it.

    .venv/bin/python benchmarks/faq_search.py [--misses]
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.troubleshooting.faq import Faq, load_faq  # noqa: E402
from core.troubleshooting.search import search  # noqa: E402
from core.troubleshooting.terms import Analyzer, Segmenter, character_pairs, load_synonyms  # noqa: E402

SUITE = ROOT / "tests" / "core" / "troubleshooting" / "search_queries.toml"
LANGUAGES = {"en": "English", "zh": "Chinese"}


@dataclass
class Figures:
    """How one language's queries ranked."""

    queries: int = 0
    first: int = 0
    top_three: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)  # "query -> expected | ranked", for every query not ranked first

    def share(self, count: int) -> float:
        return count / self.queries if self.queries else 0.0

    def line(self, language: str) -> str:
        return (f"{LANGUAGES.get(language, language)}: {self.first}/{self.queries} first ({self.share(self.first):.0%}), "
                f"{self.top_three}/{self.queries} in the top three ({self.share(self.top_three):.0%}), "
                f"{1000 * self.seconds / max(self.queries, 1):.1f} ms per query")


def load_suite(path: Path = SUITE) -> dict[str, list[dict[str, object]]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {language: data[language] for language in LANGUAGES}


def evaluate(faq: Faq, cases: list[dict[str, object]], analyzer: Analyzer | None = None) -> Figures:
    """Rank every query; a query counts in the top three only if none of its `not` entries is there too."""
    figures = Figures(queries=len(cases))
    for case in cases:
        query, expected = str(case["query"]), str(case["first"])
        unwanted = {str(entry_id) for entry_id in case.get("not", [])}  # type: ignore[attr-defined]
        started = time.perf_counter()
        ranked = [match.entry.id for match in search(faq, query, limit=3, analyzer=analyzer)]
        figures.seconds += time.perf_counter() - started
        figures.first += ranked[:1] == [expected]
        figures.top_three += expected in ranked and not unwanted & set(ranked)
        if ranked[:1] != [expected] or unwanted & set(ranked):
            figures.misses.append(f"{query} -> {expected} | {ranked}")
    return figures


def jieba_segmenters() -> dict[str, Segmenter]:
    try:
        import jieba  # only measured where installed: the project does not need it
    except ImportError:
        return {}
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    def words(run: str) -> list[str]:
        return [word for word in jieba.lcut(run) if word.strip()]

    def search_words(run: str) -> list[str]:
        return [word for word in jieba.lcut_for_search(run) if word.strip()]

    return {"jieba (precise mode)": words, "jieba (search mode)": search_words}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", action="store_true", help="list the queries not ranked first")
    args = parser.parse_args()
    faq, suite, synonyms = load_faq(), load_suite(), load_synonyms()
    segmenters: dict[str, Callable[[str], list[str]]] = {"character pairs (shipped)": character_pairs, **jieba_segmenters()}
    if len(segmenters) == 1:
        print("jieba is not installed: only character pairs are measured (pip install jieba==0.42.1 to compare).")
    for name, segment in segmenters.items():
        # Without synonyms too: what the cutting alone is worth, before the synonyms make up for it.
        for label, groups in (("with the synonyms", synonyms), ("without synonyms", ())):
            analyzer = Analyzer(groups, segment)
            print(f"Chinese cut into {name}, {label}:")
            for language, cases in suite.items():
                figures = evaluate(faq, cases, analyzer)
                print(f"  {figures.line(language)}")
                if args.misses:
                    print("".join(f"      miss: {miss}\n" for miss in figures.misses), end="")


if __name__ == "__main__":
    main()
