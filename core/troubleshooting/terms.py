"""Search terms: what a text says, as the FAQ search compares it.

- English words are stemmed (Snowball): fail, fails and failed are one term; stop words are dropped.
- Chinese has no spaces, so each run of Chinese characters is cut into overlapping character pairs
  (授权失败 -> 授权, 权失, 失败) after its stop words (的, 怎么办 ...) are taken out. Pairs were measured
  against jieba's word segmentation on the query suite (benchmarks/faq_search.py) and kept: they rank it
  exactly as jieba does, need no dictionary, and cut a phrase the same way wherever it stands.
- Synonyms are data (data/faq_synonyms.toml): each group of phrases that mean the same adds one concept
  term wherever any of its phrases appears, in the FAQ and in the query alike, so "authorization code"
  finds the Client ID and Client Secret, and 紫鸟 finds ZiNiao.
- Walmart codes keep their shape: "UNAUTHORIZED.GMP_GATEWAY_API" is also the code "unauthorized", and its parts.

Each term keeps the word it came from, so a typo can still be compared with the words as written.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer

from core.config import DATA_DIR
from core.errors import StoreConnectError
from core.i18n import _
from core.troubleshooting.faq import SLUG, code_key

SYNONYMS_PATH = DATA_DIR / "faq_synonyms.toml"
CONCEPT = "~"  # the mark of a synonym group's term, which no word can contain

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECE = re.compile(rf"[a-z0-9]+(?:['._-][a-z0-9]+)*|[{_CJK}]+")
_CHINESE = re.compile(rf"[{_CJK}]")
_CODE_LIKE = re.compile(r"[._]")  # wm_qos.correlation_id, invalid_client, unauthorized.gmp_gateway_api
# Words that say nothing about the subject; dropping them keeps "how do I ..." from matching everything.
STOPWORDS = frozenset(
    "a an and are as at be been but by can cannot could do does did for from has have had how i if in is it its me my "
    "no not of on or our please should so that the their them then there these they this to was we what when where "
    "which who why will with would you your "
    # and the help page's filler: "please make sure that the corresponding ... is specific"
    "also any corresponding just make otherwise relevant specific sure whether".split()
)
# Words the stemmer would wrongly join: production (the live environment) is not product (an item for sale).
_STEM_EXCEPTIONS = {"production": "production", "productions": "production"}
# Chinese words that carry no subject, longest first so that 怎么办 goes before 怎么. Kept short on purpose:
# a character such as 在 also starts real words (存在, "exists").
CHINESE_STOPWORDS = (
    "怎么办", "怎么样", "为什么", "是什么", "要不要", "能不能", "是不是", "有没有", "会不会", "怎么", "怎样", "什么", "如何", "请问", "一下",
    "哪里", "我们", "你们", "这个", "那个", "一直", "总是", "老是", "需要", "可以", "应该", "已经",
    "的", "了", "吗", "呢", "吧", "啊", "呀", "我", "你", "是", "和", "与", "或",
)
_CHINESE_STOP = re.compile("|".join(map(re.escape, CHINESE_STOPWORDS)))

Segmenter = Callable[[str], list[str]]  # a run of Chinese characters (no stop words) -> its terms


def character_pairs(run: str) -> list[str]:
    """Overlapping pairs of characters: 授权失败 -> 授权, 权失, 失败. A single character stands for itself."""
    return [run] if len(run) < 2 else [run[i:i + 2] for i in range(len(run) - 1)]


def is_chinese(text: str) -> bool:
    return bool(_CHINESE.search(text))


@dataclass(frozen=True)
class Term:
    key: str  # what is compared: a stem, a Chinese pair, a code, or a concept ("~key-pair")
    word: str = ""  # the English word as written, for typo matching; "" for Chinese, codes and concepts

    @property
    def concept(self) -> bool:
        return self.key.startswith(CONCEPT)


class SynonymsError(StoreConnectError):
    """The synonyms file is missing or malformed. The message names the file and the group."""


@dataclass(frozen=True)
class SynonymGroup:
    name: str
    phrases: tuple[str, ...]  # mean the group wherever they appear
    query_phrases: tuple[str, ...] = ()  # mean the group in a query only: the FAQ uses them in another sense


class Analyzer:
    """Turns a text into its search terms, in order, with one concept term per synonym group found.

    An FAQ text keeps every term and gains the concepts (`terms`). In a query (`query_terms`) a Chinese synonym
    phrase is cut out and stands as its concept alone: "沙箱秘钥" is ~sandbox and ~secret, not also the stray pair
    箱秘 that would match some other entry by chance. English words stay beside their concepts, since their stems
    still say something the concept does not ("listing" in "walmart listing sku").
    """

    def __init__(self, synonyms: Iterable[SynonymGroup] = (), segment: Segmenter = character_pairs):
        self.segment = segment
        self._stemmer = snowballstemmer.stemmer("english")
        self.groups = tuple(synonyms)
        self.ignored: tuple[str, ...] = ()  # phrases left with a single word once the little words were dropped
        self._chinese, self._english = self._phrases(lambda group: group.phrases)
        self._query_chinese, self._query_english = self._phrases(lambda group: (*group.phrases, *group.query_phrases))

    def _phrases(self, chosen: Callable[[SynonymGroup], Iterable[str]]) -> tuple[list[tuple[str, str]], list[tuple[str, tuple[str, ...]]]]:
        """The groups' Chinese phrases (longest first, compared as they are written) and English ones (as terms)."""
        chinese: list[tuple[str, str]] = []
        english: list[tuple[str, tuple[str, ...]]] = []
        for group in self.groups:
            for phrase in chosen(group):
                if is_chinese(phrase):
                    chinese.append((group.name, _normalized(phrase)))
                    continue
                keys = tuple(term.key for term in self._words(_normalized(phrase)))
                if len(keys) < min(2, len(phrase.split())):  # "cannot authorize" is "authorize": it would mark every entry saying so
                    self.ignored = tuple(dict.fromkeys((*self.ignored, phrase)))
                elif keys:
                    english.append((group.name, keys))
        return sorted(chinese, key=lambda item: -len(item[1])), english

    def terms(self, text: str) -> list[Term]:
        """An FAQ text's terms: every word, then the concepts of the synonym phrases in it."""
        text = _normalized(text)
        words = self._words(text)
        keys = [term.key for term in words]
        said = _marked(text).replace(_GAP, "")
        concepts = [name for name, phrase in self._chinese if phrase in said]
        concepts += [name for name, phrase in self._english if _find(keys, phrase)]
        return words + [Term(CONCEPT + name) for name in dict.fromkeys(concepts)]

    def query_terms(self, text: str) -> list[Term]:
        """A query's terms: each synonym phrase as its concept, the other words as themselves."""
        text = _marked(_normalized(text))  # 授权一直不成功 says 授权不成功 (and 一直 leaves a gap no character pair spans)
        said = text.replace(_GAP, "")
        concepts = [name for name, phrase in self._query_chinese if phrase in said]
        for _name, phrase in self._query_chinese:  # longest first; cut out so that no character pair straddles a phrase
            if phrase in said:
                text = re.sub(f"{_GAP}?".join(map(re.escape, phrase)), " ", text)
        words = self._words(text)
        keys = [term.key for term in words]
        concepts += [name for name, phrase in self._query_english if _find(keys, phrase)]
        return words + [Term(CONCEPT + name) for name in dict.fromkeys(concepts)]

    def _words(self, text: str) -> list[Term]:
        terms: list[Term] = []
        for piece in _PIECE.findall(text):
            if is_chinese(piece):
                for part in _CHINESE_STOP.split(piece):
                    terms += [Term(key) for key in self.segment(part) if key and key not in CHINESE_STOPWORDS]
            elif _CODE_LIKE.search(piece):
                terms += self._code(piece)
            elif "-" in piece:  # re-connect, two-pack, a UUID: the word joined, then its parts
                terms += [self._stem(piece.replace("-", "")), *(self._stem(part) for part in piece.split("-") if part not in STOPWORDS)]
            elif piece not in STOPWORDS:
                terms.append(self._stem(piece))
        return terms

    def _code(self, piece: str) -> list[Term]:
        """A Walmart code, header or OAuth error: the code as compared elsewhere, then its words."""
        key = code_key(piece)
        first = Term(key) if _CODE_LIKE.search(key) else self._stem(key)
        parts = [self._stem(part) for part in re.split(r"['._-]", key) if part and part not in STOPWORDS]  # not the service's name
        return [first, *(part for part in parts if part.key != first.key)]

    def _stem(self, word: str) -> Term:
        return Term(_STEM_EXCEPTIONS.get(word) or self._stemmer.stemWord(word), word)


_SCRIPT_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[a-z0-9])|(?<=[a-z0-9])\s+(?=[{_CJK}])")


def _normalized(text: str) -> str:
    """Full-width letters as plain ones, lower case, and no space where Chinese meets Latin ("API 密钥" is "api密钥")."""
    return _SCRIPT_GAP.sub("", unicodedata.normalize("NFKC", text).casefold())


_GAP = "\x1f"  # where a Chinese stop word stood: a synonym may span it, a character pair may not


def _marked(text: str) -> str:
    """The text with its Chinese stop words replaced by a gap mark (between Chinese characters) or a space."""

    def gap(found: re.Match[str]) -> str:
        before, after = text[found.start() - 1:found.start()], text[found.end():found.end() + 1]
        return _GAP if is_chinese(before) and is_chinese(after) else " "

    return _CHINESE_STOP.sub(gap, text)


def _find(keys: Sequence[str], phrase: Sequence[str]) -> list[int]:
    """Where the phrase's terms stand together, in order, among the text's."""
    size = len(phrase)
    return [i for i in range(len(keys) - size + 1) if keys[i] == phrase[0] and tuple(keys[i:i + size]) == tuple(phrase)]


# --- The synonyms file ----------------------------------------------------------------------------

def load_synonyms(path: Path | str | None = None) -> tuple[SynonymGroup, ...]:
    """The groups of data/faq_synonyms.toml. Cached per file version: an edited file is read again on the next call."""
    path = Path(path) if path is not None else SYNONYMS_PATH
    try:
        stat = path.stat()
    except OSError:
        raise SynonymsError(_("The synonyms file {path} is missing.", path=path), _("Restore data/faq_synonyms.toml from version control.")) from None
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int, _size: int) -> tuple[SynonymGroup, ...]:
    fix = _("Correct it in the file; the comment at the top of the file says how a group is written.")
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as problem:
        raise SynonymsError(_("The synonyms file {path} cannot be read: {problem}.", path=path, problem=problem), fix) from None
    raw = data.get("group")
    if set(data) - {"group"} or not isinstance(raw, list) or not raw:
        raise SynonymsError(_("The synonyms file {path} must hold [[group]] sections and nothing else.", path=path), fix)
    groups: list[SynonymGroup] = []
    for number, item in enumerate(raw, start=1):
        where = _("The synonyms file {path}, group {number}", path=path, number=number)
        if not isinstance(item, dict) or not {"name", "words"} <= set(item) <= {"name", "words", "query_words"}:
            raise SynonymsError(_("{where} must have a name and words, and may have query_words.", where=where), fix)
        name, words, query_words = item["name"], item["words"], item.get("query_words", [])
        if not isinstance(name, str) or not SLUG.fullmatch(name) or name in {g.name for g in groups}:
            raise SynonymsError(_("{where}: the name must be a new lowercase slug, like 'key-pair'.", where=where), fix)
        if not isinstance(words, list) or len(words) + len(query_words) < 2 or not all(isinstance(w, str) and w.strip() for w in words):
            raise SynonymsError(_("{where} ('{name}'): words must list at least two non-empty phrases.", where=where, name=name), fix)
        if not isinstance(query_words, list) or not all(isinstance(w, str) and w.strip() for w in query_words):
            raise SynonymsError(_("{where} ('{name}'): query_words must be a list of non-empty phrases.", where=where, name=name), fix)
        groups.append(SynonymGroup(name, tuple(w.strip() for w in words), tuple(w.strip() for w in query_words)))
    return tuple(groups)


@lru_cache(maxsize=8)
def _analyzer(groups: tuple[SynonymGroup, ...]) -> Analyzer:
    return Analyzer(groups)


def default_analyzer() -> Analyzer:
    """The analyzer for the shipped synonyms: the same one until the file changes, so what it indexed stays cached."""
    return _analyzer(load_synonyms())
