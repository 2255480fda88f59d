"""The decoder's data file: it loads complete, the decoder says what it says, and a broken file is refused by name."""
import pytest

from core.i18n import use_language
from core.troubleshooting.decoder import explain
from core.troubleshooting.decoder_table import DECODER_PATH, DecoderTableError, RuleMeaning, RuleWord, load_decoder_table
from core.troubleshooting.faq import load_faq

SHIPPED = DECODER_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def table():
    return load_decoder_table()


@pytest.fixture(scope="module")
def faq():
    return load_faq()


def write(tmp_path, text: str):
    path = tmp_path / "decoder.toml"
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert old in SHIPPED, f"the shipped file no longer contains {old!r}"
    return SHIPPED.replace(old, new, 1)


def test_the_shipped_file_has_every_meaning_and_word_the_rules_name(table):
    assert set(RuleMeaning) <= set(table.meanings)
    assert set(RuleWord) <= set(table.words)
    assert sorted(table.status_classes) == [1, 2, 3, 4, 5]
    for meaning in table.meanings.values():
        assert meaning.title and meaning.meaning and meaning.causes and meaning.steps, meaning.id
    assert table.wording and table.unknown.steps


def test_codes_headers_and_statuses_point_to_their_meaning(table):
    assert table.codes["UNAUTHORIZED"].id == "rejected"
    assert table.oauth_errors["invalid_grant"].id == "oauth-grant"
    assert table.headers["WM_SEC.TIMESTAMP"].id == "legacy"
    assert table.for_status(401).id == "rejected"
    assert table.for_status(418).id == "bad-request"  # listed nowhere: its class answers
    assert table.for_status(505).id == "unavailable"
    assert table.notes["413"].startswith("The file or feed sent is larger")


def test_phrases_are_filled_in_and_texts_are_single_paragraphs(table):
    forward = [step for meaning in table.meanings.values() for step in meaning.steps if step.startswith("If the error comes from this dashboard")]
    assert len(forward) > 3 and len(set(forward)) == 1
    assert table.unknown.steps[0].startswith("Run a diagnosis of the keys") and table.unknown.steps[0].endswith("names the one that fails.")
    texts = [table.unknown.title, table.unknown.meaning, *table.unknown.steps, *table.notes.values()]
    for meaning in table.meanings.values():
        texts += [meaning.title, meaning.meaning, *meaning.steps, *(cause.text for cause in meaning.causes)]
    assert not [text for text in texts if "{" in text or "  " in text or "\n" in text]


def test_the_decoder_says_what_the_file_says(tmp_path, faq):
    text = edited('title = "The key lacks a permission"', 'title = "Edited: the key lacks a permission"')
    text = text.replace('codes = ["FORBIDDEN"]', 'codes = ["FORBIDDEN", "NOT_YET_KNOWN"]', 1)
    table = load_decoder_table(write(tmp_path, text))
    assert explain("403 FORBIDDEN.GMP_GATEWAY_API", faq, table).title == "Edited: the key lacks a permission"
    assert explain("NOT_YET_KNOWN.GMP_GATEWAY_API", faq, table).title == "Edited: the key lacks a permission"
    assert not explain("NOT_YET_KNOWN.GMP_GATEWAY_API", faq).recognized  # the shipped table does not know it


def test_an_edited_file_is_read_again(tmp_path):
    path = write(tmp_path, SHIPPED)
    assert load_decoder_table(path).meanings["forbidden"].title == "The key lacks a permission"
    path.write_text(edited('title = "The key lacks a permission"', 'title = "A longer, edited title for the permission"'), encoding="utf-8")
    assert load_decoder_table(path).meanings["forbidden"].title == "A longer, edited title for the permission"


@pytest.mark.parametrize(
    "old, new, words",
    [
        ('id = "forbidden"\n', 'id = "forbidden"\nstep = ["A typo for steps."]\n', ["'forbidden'", "unknown field", "step"]),
        ('title = "The key lacks a permission"\n', "", ["'forbidden'", "lacks the field 'title'"]),
        ('id = "redirect"\n', 'id = "success"\n', ["'success'", "used twice"]),
        ('id = "path-typo"\n', 'id = "path-typos"\n', ["no meaning with the id 'path-typo'"]),
        ('codes = ["FORBIDDEN"]', 'codes = ["FORBIDDEN", "UNAUTHORIZED"]', ["'forbidden'", "UNAUTHORIZED", "'rejected'"]),
        ('codes = ["FORBIDDEN"]', 'codes = ["FORBIDDEN.GMP_GATEWAY_API"]', ["'forbidden'", "FORBIDDEN.GMP_GATEWAY_API", "without its"]),
        ("http_statuses = [401]", "http_statuses = [601]", ["'rejected'", "601"]),
        (', "4xx"]', "]", ['"4xx"']),
        ('code = "413"', 'code = "414"', ["'bad-request'", "note", "'414'"]),
        ('faq = "rate-limited"', 'faq = "Rate Limited"', ["'rate-limited'", "cause", "FAQ id"]),
        ('"{forward}"', '"{forwrd}"', ["'partner-id'", "'steps'", "{forwrd}"]),
        ("problem = '{refused}'\n", "problem = '{refused}|(unclosed'\n", ["wording rule", "'a refused refresh token'", "'problem'", "not a valid regular expression"]),
        ("subject = '{refresh_token}'\n", "subject = '{refresh_tokens}'\n", ["'a refused refresh token'", "{refresh_tokens}"]),
        ("subject = '{refresh_token}'\n", "subject = '{refresh_token}'\npattern = 'refresh'\n", ["'a refused refresh token'", "either pattern"]),
        ('meaning = "refresh-refused"', 'meaning = "refresh-refusd"', ["'a refused refresh token'", "'refresh-refusd'"]),
        ("refresh_token = 'refresh[ _-]?token|刷新令牌'", "refresh_token = 'refresh[ _-?token'", ["[words]", "'refresh_token'", "regular expression"]),
        ("network = '", "network = '(", ["[patterns]", "'network'", "regular expression"]),
        ("{diagnose} It tests", "{diagnosis} It tests", ["[unknown]", "{diagnosis}"]),
        ("\n[unknown]\n", "\n[unknown]\nexplanation = 'x'\n", ["[unknown]", "unknown field", "explanation"]),
        ("\n[patterns]\n", "\n[pattern]\n", ["unknown field(s): pattern"]),
        ("[[meaning]]\nid = \"rejected\"", "[[meaning]]\nid = \"rejected\"\n[meaning]", ["not valid TOML"]),
    ],
)
def test_a_broken_file_is_refused_with_the_file_and_the_entry(tmp_path, old, new, words):
    path = write(tmp_path, edited(old, new))
    with pytest.raises(DecoderTableError) as problem:
        load_decoder_table(path)
    message = problem.value.message
    assert str(path) in message
    for word in words:
        assert word in message, message
    assert problem.value.fix


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(DecoderTableError, match="missing"):
        load_decoder_table(tmp_path / "nope.toml")


def test_an_unknown_phrase_is_answered_with_the_known_ones(tmp_path):
    with pytest.raises(DecoderTableError) as problem:
        load_decoder_table(write(tmp_path, edited('"{forward}"', '"{forwrd}"')))
    assert "{forward}" in problem.value.fix and "{diagnose}" in problem.value.fix


# --- Both languages ------------------------------------------------------------------------------

def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_text_is_written_in_both_languages():
    table = load_decoder_table(language="zh-CN")
    assert not table.untranslated, "texts without their Chinese translation: " + "; ".join(table.untranslated)
    english = load_decoder_table(language="en")
    assert table.language == "zh-CN" and english.language == "en" and not english.untranslated
    for meaning in table.meanings.values():
        texts = [meaning.title, meaning.meaning, *meaning.steps, *(cause.text for cause in meaning.causes)]
        assert all(chinese(text) for text in texts), meaning.id
        assert len(meaning.steps) == len(english.meanings[meaning.id].steps)
        assert [c.faq_id for c in meaning.causes] == [c.faq_id for c in english.meanings[meaning.id].causes]
    assert all(chinese(note) for note in table.notes.values()) and all(chinese(rule.label) for rule in table.wording)
    assert chinese(table.unknown.title) and all(chinese(step) for step in table.unknown.steps)
    assert table.codes.keys() == english.codes.keys() and table.statuses.keys() == english.statuses.keys()


def test_the_table_follows_the_current_language():
    with use_language("zh-CN"):
        table = load_decoder_table()
        assert table.meanings["forbidden"].title == "密钥缺少某项权限"
        assert table.unknown.steps[0].startswith("对这组密钥运行诊断")  # the phrase in Chinese
    assert load_decoder_table().meanings["forbidden"].title == "The key lacks a permission"


@pytest.mark.parametrize(
    "old, new, gap",
    [
        ('title_zh = "密钥缺少某项权限"\n', "", "meaning 12 ('forbidden'): title_zh"),
        ('title_zh = "密钥缺少某项权限"', 'title_zh = " "', "meaning 12 ('forbidden'): title_zh"),
        ('text_zh = "权限是只读，但这次调用要修改数据。"\n', "", "meaning 12 ('forbidden'), cause 2: text_zh"),
        ('text_zh = "发送的文件或 feed 超过了沃尔玛允许的大小；请拆分后再发。"\n', "", "meaning 25 ('bad-request'), note 5: text_zh"),
        ('label_zh = "被拒绝的刷新令牌"\n', "", "wording rule 3 ('a refused refresh token'): label_zh"),
        ('forward = "如果错误来自本系统，把它连同关联ID一起反馈给 Store Connect 的维护人；如果来自其他工具，转给那个工具的维护人。"\n', "", "[phrases_zh]: forward"),
    ],
)
def test_a_missing_translation_shows_english_and_is_named(tmp_path, old, new, gap):
    table = load_decoder_table(write(tmp_path, edited(old, new)), language="zh-CN")
    assert table.untranslated == (gap,)
    if "title_zh" in gap:
        assert table.meanings["forbidden"].title == "The key lacks a permission"
    if "forward" in gap:  # the Chinese steps show the English phrase where its translation is missing
        assert table.meanings["service-name"].steps[0].startswith("If the error comes from this dashboard")
        assert chinese(table.meanings["partner-id"].steps[0])


@pytest.mark.parametrize(
    "old, new, words",
    [
        ('title_zh = "密钥缺少某项权限"', "title_zh = 12", ["'forbidden'", "title_zh", "text"]),
        ('steps_zh = ["{forward}"]', 'steps_zh = ["{forward}", "多一步。"]', ["'service-name'", "steps_zh", "2 steps"]),
        ('title_zh = "密钥缺少某项权限"', 'title_cn = "密钥缺少某项权限"', ["'forbidden'", "unknown field", "title_cn"]),
        ('text_zh = "一次请求的数据量太大。"', "text_zh = []", ["cause 2", "text_zh"]),
        ('connect_again = "在「连接沃尔玛」', 'connect_later = "在「连接沃尔玛」', ["[phrases_zh]", "connect_later"]),
        ('"{diagnose}它会逐项检查', '"{diagnosis}它会逐项检查', ["[unknown]", "{diagnosis}"]),
    ],
)
def test_a_malformed_translation_is_refused_by_name(tmp_path, old, new, words):
    path = write(tmp_path, edited(old, new))
    with pytest.raises(DecoderTableError) as problem:
        load_decoder_table(path, language="zh-CN")
    for word in words:
        assert word in problem.value.message, problem.value.message
