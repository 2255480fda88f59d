"""The FAQ search against real-world queries (search_queries.toml): the right entry first for at least 90% of them
in each language, and in the top three for every one. The figures are printed (pytest -s) and go in the README."""
import pytest

from benchmarks.faq_search import evaluate, load_suite
from core.troubleshooting.faq import load_faq

SUITE = load_suite()


@pytest.fixture(scope="module")
def faq():
    return load_faq()


def test_the_suite_is_large_enough_and_names_real_entries(faq):
    for language, cases in SUITE.items():
        assert len(cases) >= 40, f"{language}: {len(cases)} queries, at least 40 wanted"
        assert len({case["query"] for case in cases}) == len(cases), f"{language}: a query is listed twice"
        named = {case["first"] for case in cases} | {entry_id for case in cases for entry_id in case.get("not", [])}
        assert not {entry_id for entry_id in named if faq.get(entry_id) is None}
        assert {case["source"] for case in cases} == {"help", "ops", "typo", "error"}


@pytest.mark.parametrize("language", list(SUITE))
def test_the_right_answer_comes_first(faq, language):
    figures = evaluate(faq, SUITE[language])
    print(f"\nFAQ search quality, {figures.line(language)}")
    misses = "\n".join(figures.misses)
    assert figures.top_three == figures.queries, f"not in the top three (or an unwanted entry there):\n{misses}"
    assert figures.share(figures.first) >= 0.9, f"{figures.line(language)}; not first:\n{misses}"


def test_the_help_pages_own_questions_find_their_answers(faq):
    help_page = [case for cases in SUITE.values() for case in cases if case["source"] == "help"]
    assert len(help_page) >= 20
    assert evaluate(faq, help_page).first == len(help_page), evaluate(faq, help_page).misses
