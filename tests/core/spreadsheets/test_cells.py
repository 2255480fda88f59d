"""Cell checks: hidden characters, loose header names, formula escaping."""
from __future__ import annotations

import random
import re

import pandas as pd

from core.spreadsheets.cells import (
    cells_matching,
    describe_hidden_characters,
    escape_formula,
    has_edge_space,
    has_hidden_characters,
    has_invisible,
    is_blank,
    normalize_header,
    unescape_formula,
)
from tests.core.spreadsheets.samples import TRICKY


def test_normalize_header_keeps_different_names_apart():
    assert normalize_header("Platform SKU") == normalize_header("platform_sku") == "platformsku"
    assert normalize_header("平台 SKU") == normalize_header("平台SKU")
    assert normalize_header("System SKU") != normalize_header("Platform SKU")


def test_hidden_characters_are_found_cell_by_cell():
    cells = ["ok", "zero\u200bwidth", " lead", "trail ", "in side", "nbsp\u00a0", "tab\tin", "", "   ", "\ufeffbom", "line\nbreak", "fine"]
    column = pd.Series(cells, dtype=object)
    assert has_hidden_characters(column).tolist() == [False, True, True, True, False, True, True, False, True, True, True, False]
    assert has_edge_space(column).tolist() == [False, False, True, True, False, False, False, False, True, False, False, False]
    assert has_invisible(column).tolist() == [False, True, False, False, False, True, True, False, False, True, True, False]
    assert is_blank(column).tolist() == [False] * 7 + [True, True] + [False] * 3


def test_whole_column_search_maps_every_match_to_its_own_cell():
    # Compare the one-pass search with the obvious cell-by-cell loop on random cells.
    rng = random.Random(3)
    alphabet = ["a", "b", "*", " ", "\u200b", "x", "汉"]
    cells = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(2000)]
    column = pd.Series(cells, dtype=object)
    pattern = re.compile(r"[*\u200b]")
    assert cells_matching(column, pattern).tolist() == [bool(pattern.search(c)) for c in cells]
    assert has_edge_space(column).tolist() == [c != c.strip(" ") for c in cells]
    assert cells_matching(pd.Series([], dtype=object), pattern).tolist() == []


def test_hidden_characters_are_described_in_plain_words():
    assert describe_hidden_characters(" SKU") == "a space at the start"
    assert describe_hidden_characters("SKU ") == "a space at the end"
    assert describe_hidden_characters("SK\u200bU") == "an invisible character (zero width space, U+200B) at position 3"
    assert describe_hidden_characters("SKU") == ""


def test_formula_escaping_round_trips_exactly():
    for value in TRICKY:
        escaped = escape_formula(value)
        assert unescape_formula(escaped) == value
        assert escaped[:1] not in ("=", "+", "-", "@", "\t")
    assert escape_formula("=1+2") == "'=1+2" and escape_formula("plain") == "plain"
