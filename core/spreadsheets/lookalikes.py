"""Text that looks like other text: one canonical form for SKUs, and look-alike characters refused.

- `nfc`, `nfc_column`: Unicode canonical composition (NFC) on input, so 'Café' typed as
  e + a combining accent (NFD, as macOS file names and some exports write it) and as é
  (NFC) are one SKU, not two that look the same.
- `lookalike`: the first character that makes a SKU look like another one, or None:
  * a compatibility character, one that NFKC would replace: full-width letters and
    punctuation (ＦＵＬＬ, （）), half-width katakana, ligatures (ﬁ), superscripts (²), ™;
  * in a SKU with Latin letters, a Cyrillic or Greek letter that looks like a Latin one
    (SKU-А with a Cyrillic А). Chinese, Japanese or Korean beside Latin letters and
    digits is normal (杯子-01), and so is a SKU in Cyrillic or Greek alone, or a Greek
    sign that looks like no Latin letter (10kΩ, 100μF): those are accepted.
  Control and bidirectional characters are refused separately (cells.INVISIBLE_CHARACTER).

The column functions look at each cell only when the column has a character outside
ASCII at all, so a plain 100,000-row file pays one join and one `isascii` a column.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.i18n import N_
from core.spreadsheets.cells import TEXT, cells_matching

_JOIN = "\ue000"  # a private-use character: NFC and NFKC leave it alone and never join it to a neighbour

# Cyrillic and Greek letters that look like a Latin letter (after Unicode's confusables list, letters only).
_CYRILLIC_LOOKALIKES = "АВЕЅІЈКМНОРСТУХҮҺԚԜЬаеѕіјкорсухүһԁԛԝьӏѵѴ"
_GREEK_LOOKALIKES = "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹϒαικνορτυχγϲϳ"
_LOOKALIKE_LETTER = re.compile(f"[{_CYRILLIC_LOOKALIKES}{_GREEK_LOOKALIKES}]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@dataclass(frozen=True)
class Lookalike:
    """Why a SKU is refused: `character` at 1-based `position`, and what kind of look-alike it is."""

    character: str
    position: int
    kind: Literal["compatibility", "mixed_script"]
    plain: str = ""  # for a compatibility character, what it stands for ('F' for 'Ｆ')
    script: str = ""  # for a mixed script, 'Cyrillic' or 'Greek' (marked for translation; translate where shown)

    @property
    def name(self) -> str:
        return unicodedata.name(self.character, f"U+{ord(self.character):04X}").lower()


def nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _all_ascii(values: npt.NDArray[np.object_]) -> bool:
    return "".join(values).isascii()  # joined without a separator, so the text stays one byte a character


def nfc_column(column: pd.Series) -> pd.Series:
    """`nfc` for every cell; the column itself when nothing changes (always, for ASCII)."""
    values = column.to_numpy(dtype=TEXT)
    if _all_ascii(values):
        return column
    joined = _JOIN.join(values)
    if unicodedata.is_normalized("NFC", joined):
        return column
    return pd.Series(unicodedata.normalize("NFC", joined).split(_JOIN), index=column.index, dtype=TEXT)


def lookalike(value: str, allowed: str = "") -> Lookalike | None:
    """The first look-alike character in a SKU (NFC already), or None. Characters in `allowed` are not looked at."""
    if value.isascii():
        return None
    for position, character in enumerate(value, start=1):
        if character in allowed or character.isascii():
            continue
        plain = unicodedata.normalize("NFKC", character)
        if plain != character:
            return Lookalike(character, position, "compatibility", plain=plain)
    found = _LOOKALIKE_LETTER.search(value)
    if found and _LATIN_LETTER.search(value):
        script = N_("Cyrillic") if found.group() in _CYRILLIC_LOOKALIKES else N_("Greek")
        return Lookalike(found.group(), found.start() + 1, "mixed_script", script=script)
    return None


def has_lookalike(column: pd.Series, allowed: str = "") -> npt.NDArray[np.bool_]:
    """True for each cell that `lookalike` refuses."""
    values = column.to_numpy(dtype=TEXT)
    found = np.zeros(len(values), dtype=bool)
    if _all_ascii(values):
        return found
    compatible = unicodedata.is_normalized("NFKC", _JOIN.join(values))
    suspects = cells_matching(column, _LOOKALIKE_LETTER if compatible else _NON_ASCII)
    for index in np.flatnonzero(suspects):
        found[index] = lookalike(values[index], allowed) is not None
    return found
