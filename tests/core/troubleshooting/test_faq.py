"""The FAQ file: it loads, answers every finding and status, is looked up by code, and reports its own mistakes."""
from datetime import date

import pytest

from core.authorization.outcome import Status
from core.i18n import use_language
from core.stores.prechecks import FindingCode
from core.troubleshooting import diagnosis
from core.troubleshooting.decoder_table import load_decoder_table
from core.troubleshooting.faq import FAQ_PATH, FaqError, code_key, faq_for, load_faq

ISSUE_TOPICS = {  # issue 4 §1: each subject must have its own answer
    "production-vs-sandbox", "identical-id-and-secret", "copied-text-wrong", "reset-key-and-retry", "new-key-all-permissions",
    "permissions-not-enabled", "keys-reset-by-colleague", "legacy-consumer-id", "delegated-access-retirement", "rate-limited",
    "walmart-unavailable", "mapping-system-sku-first", "mapping-listing-sku", "mapping-per-store", "mapping-bundle-quantities",
}
OAUTH_TOPICS = {  # issue 8 §7: the OAuth errors and the move off delegated keys
    "move-to-oauth", "reconnect-store", "connect-link-problems", "oauth-redirect-paste", "oauth-app-setup",
    "oauth-redirect-uri-encoding", "oauth-sandbox",  # issue 13: the link's encoding, and rehearsing in the sandbox
}


@pytest.fixture(scope="module")
def faq():
    return load_faq()


def write(tmp_path, text: str):
    path = tmp_path / "faq.toml"
    path.write_text(text, encoding="utf-8")
    return path


ENTRY = '''
[[entry]]
id = "one"
topic = "Keys"
question = "Question?"
answer = "Answer."
steps = ["Do this."]
'''


def test_the_file_loads_with_unique_ids_and_numbered_steps(faq):
    assert len(faq) >= len(ISSUE_TOPICS)
    assert len({entry.id for entry in faq}) == len(faq)
    assert ISSUE_TOPICS | OAUTH_TOPICS <= {entry.id for entry in faq}
    assert all(entry.steps and entry.answer and entry.question for entry in faq)


@pytest.mark.parametrize("code", list(FindingCode))
def test_every_finding_code_has_an_answer(faq, code):
    assert faq.for_finding(code), f"no FAQ entry lists the finding {code}"


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_an_answer(faq, status):
    assert faq.for_status(status), f"no FAQ entry lists the status {status}"


def test_a_refused_refresh_token_is_answered_by_reconnecting_first(faq):
    assert faq.for_status(Status.reconnect_required)[0].id == "reconnect-store"
    assert [e.id for e in faq.for_code("invalid_grant")][0] == "reconnect-store"
    assert "connect-link-problems" in [e.id for e in faq.for_code("access_denied")]
    assert "oauth-app-setup" in [e.id for e in faq.for_code("WM_PARTNER.ID")]
    assert [e.id for e in faq.for_code("invalid_client")][0] == "keys-rejected"  # delegated keys stay the first answer
    assert "oauth-app-setup" in [e.id for e in faq.for_code("unauthorized_client")]


def test_the_oauth_answers_have_their_own_topic_and_practical_steps(faq):
    for entry_id in OAUTH_TOPICS:
        entry = faq.get(entry_id)
        assert entry.topic == "Connect with Walmart"
        assert len(entry.steps) >= 3, entry_id
        assert "Connect with Walmart" in entry.answer + " ".join(entry.steps) or entry_id == "oauth-redirect-paste", entry_id
    retirement = faq.get("delegated-access-retirement")
    assert "Connect with Walmart page" in retirement.answer and any("Connect with Walmart page" in s for s in retirement.steps)
    move = " ".join(faq.get("move-to-oauth").steps)
    for words in ("Connect", "approves", "Verify again", "Switch to OAuth and wipe the old keys", "365 days"):
        assert words in move, words


def test_answers_linked_from_code_and_the_decoder_table_exist(faq):
    from_code = set(diagnosis.FAQ_LINKS.values())
    from_table = set()
    for meaning in load_decoder_table().meanings.values():
        from_table |= {c.faq_id for c in meaning.causes if c.faq_id} | set(meaning.first) | set(meaning.also)
    assert from_code and from_table
    assert not {entry_id for entry_id in from_code | from_table if faq.get(entry_id) is None}


def test_lookup_by_code_ignores_the_service_suffix_and_case(faq):
    assert code_key("UNAUTHORIZED.GMP_GATEWAY_API") == "unauthorized"
    assert code_key("WM_QOS.CORRELATION_ID") == "wm_qos.correlation_id"  # a header name keeps its dot
    assert "keys-rejected" in [e.id for e in faq.for_code("UNAUTHORIZED.GMP_GATEWAY_API")]
    assert [e.id for e in faq.for_code(429)] == ["rate-limited"]
    assert "request-header-problem" in [e.id for e in faq.for_code("wm_qos.correlation_id")]


def test_the_deadline_comes_from_settings(settings):
    from dataclasses import replace

    moved = replace(settings, delegated_access_deadline=date(2031, 2, 3))
    entry = faq_for(moved).get("delegated-access-retirement")
    assert "February 3, 2031" in entry.answer
    assert any("February 3, 2031" in step for step in entry.steps)
    assert "{" not in entry.answer + "".join(entry.steps)
    assert "April 30, 2027" in load_faq(FAQ_PATH, date(2027, 4, 30)).get("delegated-access-retirement").answer
    move = faq_for(moved).get("move-to-oauth")
    assert "February 3, 2031" in move.answer and any("February 3, 2031" in step for step in move.steps)


def test_an_edited_file_is_read_again(tmp_path):
    path = write(tmp_path, ENTRY)
    assert load_faq(path).get("one").answer == "Answer."
    path.write_text(ENTRY.replace("Answer.", "A longer, edited answer."), encoding="utf-8")
    assert load_faq(path).get("one").answer == "A longer, edited answer."


@pytest.mark.parametrize(
    "text, words",
    [
        (ENTRY + ENTRY, ["entry 2", "'one'", "twice"]),
        (ENTRY.replace('steps = ["Do this."]', "steps = []"), ["entry 1", "'one'", "at least one step"]),
        (ENTRY.replace('topic = "Keys"', 'topic = "Keys"\nkeyword = ["x"]'), ["'one'", "unknown field", "keyword"]),
        (ENTRY + 'findings = ["not_a_finding"]\n', ["'one'", "not_a_finding"]),
        (ENTRY + 'statuses = ["broken"]\n', ["'one'", "broken"]),
        (ENTRY.replace("Answer.", "Until {deadline}."), ["'one'", "{deadline}"]),
        (ENTRY.replace('id = "one"', 'id = "Not A Slug"'), ["entry 1", "lowercase"]),
        (ENTRY.replace('question = "Question?"', ""), ["'one'", "question"]),
        ('[[entry]\nid = "x"', ["not valid TOML", "line"]),
        ("title = 'no entries'", ["no [[entry]]"]),
    ],
)
def test_a_malformed_file_is_reported_with_the_file_and_the_entry(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(FaqError) as problem:
        load_faq(path)
    message = problem.value.message
    assert str(path) in message
    for word in words:
        assert word in message, message


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(FaqError, match="missing"):
        load_faq(tmp_path / "nope.toml")


def test_reconnecting_and_duplicates_say_how_to_fix_them(faq):
    reconnect = " ".join(faq.get("reconnect-store").steps)
    for words in ("store's page", "Connect again", "copy it", "Verify again", "another seller", "same link"):
        assert words in reconnect, words
    duplicate = faq.get("duplicate-store")
    assert duplicate.topic == "Keys" and "--allow-duplicate" in " ".join(duplicate.steps) and "exit code 6" in " ".join(duplicate.steps)
    encoding = faq.get("oauth-redirect-uri-encoding")
    assert "WALMART_OAUTH_REDIRECT_URI_ENCODING=encoded" in " ".join(encoding.steps) and "unencoded" in encoding.answer


# --- Both languages ------------------------------------------------------------------------------

TRANSLATED_ENTRY = ENTRY + '''question_zh = "问题？"
answer_zh = "回答。"
steps_zh = ["这样做。"]
keywords_zh = ["关键词"]
'''


def test_every_entry_is_written_in_both_languages(faq):
    missing = faq.untranslated()
    assert not missing, "entries without their Chinese text: " + "; ".join(f"{entry_id} lacks {', '.join(fields)}" for entry_id, fields in missing.items())
    for entry in faq:
        english, chinese = entry.text("en"), entry.text("zh-CN")
        assert chinese.question != english.question and chinese.answer != english.answer, entry.id
        assert len(chinese.steps) == len(english.steps) and chinese.keywords, entry.id
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.question + chinese.topic), entry.id


def test_an_entry_speaks_the_current_language(faq):
    entry = faq.get("delegated-access-retirement")
    assert entry.question.startswith("Walmart is retiring") and entry.heading == "Keys"
    with use_language("zh-CN"):
        assert entry.heading == "密钥" and "委托访问" in entry.question
        assert "2027年4月30日" in entry.answer and all("{" not in step for step in entry.steps)
        assert entry.to_dict()["question"] == entry.question and entry.to_dict()["topic"] == "Keys"  # keys never translated
    assert entry.question.startswith("Walmart is retiring")  # the language belongs to the unit of work


def test_the_ziniao_question_is_answered_in_chinese(faq):
    with use_language("zh-CN"):
        entry = faq.get("identical-id-and-secret")
        assert "紫鸟浏览器" in entry.answer and "紫鸟" in entry.keywords
        assert any("F12" in step for step in entry.steps) and any("value" in step for step in entry.steps)


@pytest.mark.parametrize("field", ["question_zh", "answer_zh", "steps_zh", "keywords_zh"])
def test_a_missing_translation_shows_english_and_is_named(tmp_path, field):
    lines = [line for line in TRANSLATED_ENTRY.splitlines() if not line.startswith(field)]
    faq = load_faq(write(tmp_path, "\n".join(lines) + '\n[topic_zh]\n"Keys" = "密钥"\n'))
    assert faq.untranslated() == {"one": (field,)}
    with use_language("zh-CN"):
        entry = faq.get("one")
        shown = {"question_zh": entry.question, "answer_zh": entry.answer, "steps_zh": entry.steps[0], "keywords_zh": ""}[field]
        assert shown in ("Question?", "Answer.", "Do this.", "")
        assert entry.question == ("Question?" if field == "question_zh" else "问题？")


def test_an_empty_translation_or_an_untranslated_topic_is_named(tmp_path):
    faq = load_faq(write(tmp_path, TRANSLATED_ENTRY.replace('answer_zh = "回答。"', 'answer_zh = "  "')))
    assert faq.untranslated() == {"one": ("topic_zh", "answer_zh")}
    with use_language("zh-CN"):
        assert faq.get("one").heading == "Keys" and faq.get("one").answer == "Answer."


@pytest.mark.parametrize(
    "old, new, words",
    [
        ('steps_zh = ["这样做。"]', 'steps_zh = ["这样做。", "多出来的一步。"]', ["'one'", "steps_zh", "2 steps", "1"]),
        ('question_zh = "问题？"', "question_zh = 3", ["'one'", "question_zh", "text"]),
        ('keywords_zh = ["关键词"]', 'keywords_zh = ["关键词", ""]', ["'one'", "keywords_zh"]),
        ('question_zh = "问题？"', 'question_cn = "问题？"', ["'one'", "unknown field", "question_cn"]),
    ],
)
def test_a_malformed_translation_is_reported(tmp_path, old, new, words):
    with pytest.raises(FaqError) as problem:
        load_faq(write(tmp_path, TRANSLATED_ENTRY.replace(old, new)))
    for word in words:
        assert word in problem.value.message, problem.value.message
