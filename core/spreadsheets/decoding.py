"""CSV bytes to text.

Byte-order marks, UTF-8 and UTF-16, else the code page Chinese, Western or
Cyrillic Excel saved the file in, told apart with charset-normalizer. Bytes
that are no text (images, archives, programs) are refused.
"""
from __future__ import annotations

import codecs
import re
import unicodedata

from core.i18n import N_, _
from core.spreadsheets.errors import SpreadsheetError, not_a_spreadsheet

ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": N_("UTF-8 with byte-order mark"),
    "utf-16": "UTF-16",
    "utf-16-le": N_("UTF-16 (little-endian)"),
    "utf-16-be": N_("UTF-16 (big-endian)"),
    "gb18030": N_("GB18030/GBK (Chinese)"),
    "cp1252": N_("Windows-1252 (Western European Excel)"),
    "cp1251": N_("Windows-1251 (Cyrillic Excel)"),
}


_SIGNATURES = [
    (b"\x89PNG", N_("a PNG image")),
    (b"\xff\xd8\xff", N_("a JPEG image")),
    (b"GIF8", N_("a GIF image")),
    (b"%PDF", N_("a PDF document")),
    (b"\x1f\x8b", N_("a compressed (gzip) file")),
    (b"Rar!", N_("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", N_("a 7-Zip archive")),
    (b"RIFF", N_("a sound or video file")),
    (b"{\\rtf", N_("a Word (RTF) document")),
]


def encoding_name(encoding: str | None) -> str:
    """An encoding as people read it, in the current language ('gb18030' -> 'GB18030/GBK (Chinese)')."""
    return _(ENCODING_NAMES[encoding]) if encoding in ENCODING_NAMES else encoding or ""


def refuse_binary(data: bytes, filename: str) -> None:
    """Refuse an image, document or archive by its first bytes, saying what it is."""
    for signature, what in _SIGNATURES:
        if what and data.startswith(signature):
            raise SpreadsheetError(
                _("The file '{file}' is {what}, not a spreadsheet.", file=filename, what=_(what)),
                _("Upload the CSV or Excel (XLSX) file itself; renaming a file does not convert it."),
            )


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """The text and the name of its encoding, e.g. 'utf-8-sig' or 'gb18030'; refuses bytes that are no text."""
    sample = data[:4000]
    half = max(len(sample) // 2, 1)
    even_nul, odd_nul = sample[0::2].count(0), sample[1::2].count(0)
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif odd_nul > half * 0.2 and even_nul * 10 < odd_nul:
        encoding = "utf-16-le"  # "Unicode text" without a byte-order mark: ASCII has a NUL after every byte
    elif even_nul > half * 0.2 and odd_nul * 10 < even_nul:
        encoding = "utf-16-be"
    elif b"\x00" in sample:
        raise not_a_spreadsheet(filename)  # text files have no NUL bytes; images and programs do
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise not_a_spreadsheet(filename, _(" (it says it is {encoding} but is not)", encoding=encoding_name(encoding))) from None
        text, encoding = _decode_code_page(data, filename)
    if "\x00" in text:
        raise not_a_spreadsheet(filename)
    return text, encoding


# Excel's plain "CSV" is saved in the computer's code page: GBK on Chinese Windows
# (GB18030 reads all of GBK), Windows-1252 on US and Western European Windows.
_CODE_PAGES = ("gb18030", "cp1252", "cp1251")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_SAVE_AS_UTF8 = N_("In Excel choose File > Save As > 'CSV UTF-8 (Comma delimited)' and upload that file.")


def _decode_code_page(data: bytes, filename: str) -> tuple[str, str]:
    """Text that is not UTF-8, read as Chinese, Western or Cyrillic Excel saved it, or refused."""
    texts = {}
    for encoding in _CODE_PAGES:
        try:
            texts[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            pass
    if texts:
        from charset_normalizer import from_bytes

        # Most Western accented letters also make valid GBK byte pairs, and any byte is
        # valid Windows-1252 and almost any Windows-1251, so ask which reading looks like
        # real text. Its usual 20% "mess" cut-off is lifted because product names are
        # full of ™, € and ¢; only a reading it finds wholly garbled is dropped.
        sample = _lines_with_non_ascii(data)
        found = from_bytes(sample, cp_isolation=list(texts), threshold=1.0, preemptive_behaviour=False)
        ranked = [match for match in found if match.encoding in texts]
        # A reading that mixes alphabets inside one word ('Cafй', 'Caf閙ug') is not what anyone typed.
        ranked = [match for match in ranked if not _mixes_scripts(sample.decode(match.encoding, errors="replace"))] or ranked
        same = len(ranked) > 1 and texts[ranked[0].encoding] == texts[ranked[1].encoding]  # e.g. '500°F': nothing to choose
        if len(ranked) > 1 and not same and ranked[1].chaos - ranked[0].chaos < 0.1 and ranked[0].coherence - ranked[1].coherence < 0.05:
            # No clear winner, as with a word or two: a pick would be a guess, and a wrong
            # one garbles every accent silently. (Margins chosen on sample names in all
            # three scripts: below them, short Chinese and Cyrillic files were misread.)
            raise SpreadsheetError(
                _("We cannot tell which language version of Excel saved '{file}', "
                  "so letters such as 茶, é or ж in it could come out wrong.", file=filename),
                _(_SAVE_AS_UTF8),
            )
        if ranked:
            return texts[ranked[0].encoding], ranked[0].encoding
    raise SpreadsheetError(_("The file '{file}' is in a text encoding we cannot read.", file=filename), _(_SAVE_AS_UTF8))


_SCRIPTS = ("LATIN", "CYRILLIC", "CJK")


def _mixes_scripts(text: str) -> bool:
    """True when a word holds letters of two of Latin, Cyrillic and Chinese."""
    for word in re.findall(r"\w+", text):
        if word.isascii():
            continue
        found = {script for character in word if character.isalpha()
                 for script in _SCRIPTS if unicodedata.name(character, "").startswith(script)}
        if len(found) > 1:
            return True
    return False


def _lines_with_non_ascii(data: bytes, limit: int = 16_384) -> bytes:
    """The first lines holding non-ASCII bytes, about `limit` bytes of them.

    Only those lines tell the code pages apart, wherever they are in a file of many
    MB; ASCII lines would just dilute the evidence. Whole lines, because a cut could
    split a Chinese character; a line break is never part of one.
    """
    lines: list[bytes] = []
    size = at = 0
    while size < limit and (found := _NON_ASCII.search(data, at)):
        start = data.rfind(b"\n", 0, found.start()) + 1
        end = data.find(b"\n", found.end())
        end = len(data) if end == -1 else end
        lines.append(data[start:end])
        size += end - start
        at = end
    return b"\n".join(lines)
