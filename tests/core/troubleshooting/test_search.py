"""FAQ search: the right answer first despite typos, nothing for nonsense, and a search that follows the file."""
import pytest

from core.troubleshooting.faq import load_faq
from core.troubleshooting.search import search


@pytest.fixture(scope="module")
def faq():
    return load_faq()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("sandbx keys", "production-vs-sandbox"),
        ("permision not enabled", "permissions-not-enabled"),
        ("client id and secret are the same", "identical-id-and-secret"),
        ("ziniao", "identical-id-and-secret"),
        ("consumer id privat key", "legacy-consumer-id"),
        ("too many requets", "rate-limited"),
        ("bundle quantty", "mapping-bundle-quantities"),
        ("clone mappings to another store", "mapping-per-store"),
        ("429", "rate-limited"),
        ("delegated acess deadline", "delegated-access-retirement"),
        ("reconect store", "reconnect-store"),
        ("refresh tokn revoked", "reconnect-store"),
        ("seller disconnected the app", "reconnect-store"),
        ("conect link expired", "connect-link-problems"),
        ("link started by someone else", "connect-link-problems"),
        ("paste the redirect adress", "oauth-redirect-paste"),
        ("redirect uri mismatch", "oauth-app-setup"),
        ("app client secret", "oauth-app-setup"),
        ("migrate delegated keys to oauth", "move-to-oauth"),
        ("token expired", "access-token-expired"),  # the 15-minute access token, not the refresh token
        ("rate-limited", "rate-limited"),  # an id, as in a shared link
    ],
)
def test_search_tolerates_typos_and_ranks_the_right_answer_first(faq, query, expected):
    results = search(faq, query)
    assert results and results[0].entry.id == expected, [(m.entry.id, m.score) for m in results]
    assert [m.score for m in results] == sorted((m.score for m in results), reverse=True)


def test_search_finds_nothing_for_nonsense_or_nothing(faq):
    assert search(faq, "qzxv blorf wumpus") == []
    assert search(faq, "   ") == []


def test_an_id_is_an_exact_match(faq):
    assert search(faq, "Rate-Limited")[0].entry.id == "rate-limited"
    assert search(faq, "Rate-Limited")[0].score == 100.0


def test_search_follows_an_edited_file(tmp_path):
    path = tmp_path / "faq.toml"
    entry = '[[entry]]\nid = "one"\ntopic = "Mapping"\nquestion = "How do bundles work?"\nanswer = "Answer."\nsteps = ["Do this."]\n'
    path.write_text(entry, encoding="utf-8")
    assert [m.entry.id for m in search(load_faq(path), "bundles")] == ["one"]
    path.write_text(entry.replace("How do bundles work?", "Which environment are sandbox keys for?"), encoding="utf-8")
    edited = load_faq(path)
    assert search(edited, "bundles") == []
    assert [m.entry.id for m in search(edited, "sandbox")] == ["one"]
