"""SKUs in one form: NFC on input, compatibility characters and mixed-script look-alikes refused by name and position."""
from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from core.spreadsheets.lookalikes import has_lookalike, lookalike, nfc, nfc_column

CAFE_NFC = unicodedata.normalize("NFC", "Café")
CAFE_NFD = unicodedata.normalize("NFD", "Café")


def test_nfc_and_nfd_become_one_text():
    assert CAFE_NFC != CAFE_NFD and nfc(CAFE_NFD) == nfc(CAFE_NFC) == CAFE_NFC
    column = pd.Series(["SKU-1", CAFE_NFD, "杯子-01"], dtype=object)
    assert nfc_column(column).tolist() == ["SKU-1", CAFE_NFC, "杯子-01"]
    plain = pd.Series(["SKU-1", "SKU-2"], dtype=object)
    assert nfc_column(plain) is plain  # nothing to change: the same column back


@pytest.mark.parametrize(
    "value, character, position, plain",
    [
        ("ＦＵＬＬ", "Ｆ", 1, "F"),
        ("SKU-１", "１", 5, "1"),
        ("杯子（大）", "（", 3, "("),  # full-width punctuation from a Chinese input method
        ("ｶｯﾌﾟ-1", "ｶ", 1, "カ"),  # half-width katakana
        ("ﬁle-1", "ﬁ", 1, "fi"),
        ("AREA-M²", "²", 7, "2"),
    ],
)
def test_a_compatibility_character_is_named_with_its_position_and_plain_form(value, character, position, plain):
    found = lookalike(value)
    assert (found.kind, found.character, found.position, found.plain) == ("compatibility", character, position, plain)


@pytest.mark.parametrize(
    "value, character, position, script",
    [("SKU-А", "А", 5, "Cyrillic"), ("MUG-WНITE", "Н", 6, "Cyrillic"), ("ΑPPLE-1", "Α", 1, "Greek"), ("cоffee", "о", 2, "Cyrillic")],
)
def test_a_cyrillic_or_greek_look_alike_among_latin_letters_is_named(value, character, position, script):
    found = lookalike(value)
    assert (found.kind, found.character, found.position, found.script) == ("mixed_script", character, position, script)
    assert found.name.startswith(("cyrillic", "greek"))


@pytest.mark.parametrize("value", ["杯子-01", "茶叶礼盒-A", "ЧАЙ-01", "RES-10kΩ", "CAP-100μF", "Café-1", "Müsli-500g", "コーヒー-2", "Ж-XL"])
def test_real_skus_in_other_scripts_are_accepted(value):
    assert lookalike(nfc(value)) is None


def test_allowed_characters_are_not_looked_at():
    assert lookalike("MUG＊1＋TEA＊2").character == "＊"
    assert lookalike("MUG＊1＋TEA＊2", allowed="＊＋") is None


def test_a_whole_column_is_checked_without_looking_at_ascii_cells():
    column = pd.Series(["SKU-1", "ＦＵＬＬ", "杯子-01", "SKU-А", "RES-10kΩ"], dtype=object)
    assert has_lookalike(column).tolist() == [False, True, False, True, False]
    assert not has_lookalike(pd.Series(["A", "B"] * 1000, dtype=object)).any()
